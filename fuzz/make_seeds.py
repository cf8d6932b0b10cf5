#!/usr/bin/env python3
"""Writes the small seed corpora in fuzz/corpus/<target>/ (committed; rerun
only to change them). Valid files of every shape each reader accepts, so the
fuzzer starts from inputs that reach deep into each reader.
Needs PIL for the JPEG and PNG seeds."""
import gzip, io, json, os, struct, sys
from PIL import Image

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}

def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data

def f32(*v):
    return struct.pack("<%df" % len(v), *v)

# JSON: the shapes a safetensors header takes, and the escapes.
put("json", "header.json", b'{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"__metadata__":{"k":"v"}}')
put("json", "values.json", '[1,-2.5e3,0.5,-0,"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\",true,false,null,{}]'.encode())
put("json", "utf8.json", '{"caf\u00e9": "\u6f22\u5b57", "a": [[[]]]}'.encode())
put("json", "big.json", b'[9223372036854775807,-9223372036854775808,9223372036854775808,1e308]')

# safetensors: each dtype, a scalar, an empty tensor, metadata.
put("safetensors", "f32.safetensors", safetensors([("w", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6))]))
put("safetensors", "mixed.safetensors", safetensors([
    ("a", "F16", [2], struct.pack("<2e", 1.5, -2.0)),
    ("b", "BF16", [1, 2], b"\x80\x3f\x00\xc0"),
    ("n", "I64", [], struct.pack("<q", 7)),
    ("u", "U8", [3], b"\x01\x02\x03"),
    ("m", "BOOL", [2], b"\x00\x01"),
    ("d", "F64", [1], struct.pack("<d", 0.25)),
    ("i", "I32", [2], struct.pack("<2i", -1, 5)),
    ("e", "F32", [0, 4], b""),
], {"format": "pt", "note": "seed"}))

# checkpoint: the metadata of a real se_resnet20 checkpoint, with a short
# momentum buffer and a single tensor (the loader must refuse both cleanly).
meta = {"format": "senet-checkpoint-1",
        "config": "se_resnet20 classes=10 se_reduction=16 se_squeeze=0 se_gate=0 se_mode=0 se_stages=0xf se_bias=1",
        "epoch": "1", "step": "20", "batch": "0", "seed": "5",
        "dropout_rng": "0123456789abcdef" * 5 + "0", "note": "seed"}
put("checkpoint", "short_momentum.safetensors", safetensors([
    ("layer0.conv1.weight", "F32", [16, 3, 3, 3], f32(*[0.01 * i for i in range(432)])),
    ("optimizer.momentum_buffer", "F32", [4], f32(0, 0, 0, 0))], meta))
put("checkpoint", "one_tensor.safetensors", safetensors([
    ("layer0.conv1.weight", "F32", [16, 3, 3, 3], f32(*[0.0] * 432))], meta))
put("checkpoint", "wrong_config.safetensors", safetensors([("x", "F32", [1], f32(1))],
    dict(meta, config="resnet20 classes=10 se_reduction=16 se_squeeze=0 se_gate=0 se_mode=0 se_stages=0x0 se_bias=1")))

# CIFAR: first byte 0 = CIFAR-10 (test_batch.bin), 1 = CIFAR-100 (train.bin).
pixels = bytes((7 * i) & 255 for i in range(3072))
put("cifar", "cifar10.bin", b"\x00" + b"\x03" + pixels + b"\x09" + pixels[::-1])
put("cifar", "cifar100.bin", b"\x01" + b"\x05\x2a" + pixels + b"\x13\x63" + pixels[::-1])

# IDX: u16 length of the labels file, the labels file, the images file.
def idx_pair(n, rows, cols, gz=False):
    labels = struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))
    images = struct.pack(">IIII", 0x803, n, rows, cols) + bytes((5 * i) & 255 for i in range(n * rows * cols))
    if gz:
        labels, images = gzip.compress(labels, mtime=0), gzip.compress(images, mtime=0)
    return struct.pack("<H", len(labels)) + labels + images
put("idx", "raw.idx", idx_pair(3, 4, 5))
put("idx", "gzip.idx", idx_pair(2, 6, 6, gz=True))
put("idx", "many_classes.idx", struct.pack("<H", 12) + struct.pack(">II", 0x801, 4) + b"\x00\x0b\xff\x02" +
    struct.pack(">IIII", 0x803, 4, 2, 2) + bytes(range(16)))

# Images: small JPEGs and PNGs in the colour types and encodings each decoder handles.
def img(mode, size=(9, 7)):
    im = Image.new("RGB", size)
    im.putdata([((13 * i) & 255, (29 * i) & 255, (71 * i) & 255) for i in range(size[0] * size[1])])
    return im.convert(mode)

def encode(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()

put("jpeg", "rgb.jpg", encode(img("RGB"), "JPEG", quality=90))
put("jpeg", "grey.jpg", encode(img("L"), "JPEG"))
put("jpeg", "cmyk.jpg", encode(img("CMYK"), "JPEG"))
put("jpeg", "progressive.jpg", encode(img("RGB", (17, 5)), "JPEG", progressive=True, subsampling=2))
put("png", "rgb.png", encode(img("RGB"), "PNG"))
put("png", "palette.png", encode(img("P"), "PNG"))
put("png", "grey_alpha_interlaced.png", encode(img("LA"), "PNG", interlace=1))
put("png", "rgba.png", encode(img("RGBA"), "PNG"))
put("png", "bilevel.png", encode(img("1"), "PNG"))
put("png", "grey16.png", encode(img("L").convert("I;16"), "PNG"))

# Labels files: first byte is the class count expected.
put("labels", "three.txt", b"\x03cat\ndog\r\n  bird \n\n")
put("labels", "ten.txt", b"\x0a" + "\n".join("class %d" % i for i in range(10)).encode() + b"\n")
put("labels", "utf8.txt", b"\x02" + "caf\u00e9\n\u6f22\u5b57".encode())
