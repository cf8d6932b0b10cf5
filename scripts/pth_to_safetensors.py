#!/usr/bin/env python3
"""A PyTorch checkpoint (.pth) to the safetensors file senet reads, with the
metadata that makes it describe itself (README "Model files").

    python3 scripts/pth_to_safetensors.py se_resnet50-ce0d4300.pth se_resnet50.safetensors \\
        --arch se_resnet50 --source cadene

Needs torch only (and the numpy that torch's .numpy() uses): the safetensors
file is written here, not with the safetensors package.

What it accepts: a state dict, a dict holding one under 'state_dict' or
'model' (training scripts' checkpoints), or a whole pickled nn.Module; the
'module.' prefix of DataParallel is dropped. Floats are written as F32,
integers (num_batches_tracked) as I64. A state dict without
num_batches_tracked (PyTorch before 0.4.1) is written as it is: senet loads
it with the counters at 0, as torch's load_state_dict(strict=True) does.

--source says how the weights expect their input (senet classify, eval and
excite then use that normalisation by default):
  cadene   Cadene's pretrainedmodels (and timm's legacy_* copies of them):
           RGB in [0, 1], ImageNet mean/std, 224x224 after resize 256
  timm     the same input convention (timm's seresnet* use another layer
           layout, which senet does not implement: the conversion fails
           naming the first key senet does not know)
  caffe    the authors' Caffe release ported to PyTorch: BGR in 0..255
           minus the mean (104, 117, 123), no std
  cifar    CIFAR nets: RGB in [0, 1], CIFAR mean/std, 32x32
"""

import argparse
import json
import os
import struct
import sys

import torch

SOURCES = {
    "cadene": ("imagenet", 224),
    "timm": ("imagenet", 224),
    "caffe": ("caffe", 224),
    "cifar": ("cifar", 32),
}

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def state_dict_of(obj):
    """The state dict inside what torch.load returned."""
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise SystemExit("pth_to_safetensors: no state dict found (a dict of tensors, or one under "
                         "'state_dict' or 'model')")
    out = {}
    for name, t in obj.items():
        if name.startswith("module."):
            name = name[len("module."):]
        out[name] = t
    return out


def as_written(t):
    """F32 for floating tensors, I64 for integer ones."""
    t = t.detach().cpu()
    if t.is_floating_point():
        t = t.to(torch.float32)
    elif t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8):
        t = t.to(torch.int64)
    else:
        raise SystemExit("pth_to_safetensors: tensor of dtype %s is not supported" % t.dtype)
    return t.contiguous()


def save_safetensors(path, tensors, metadata):
    """The safetensors layout: u64 header length, JSON header, little-endian data."""
    if sys.byteorder != "little":
        raise SystemExit("pth_to_safetensors: a little-endian machine is needed")
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pth", help="the PyTorch file (torch.save of a state dict, a checkpoint dict or a module)")
    p.add_argument("output", help="the .safetensors file to write")
    p.add_argument("--arch", required=True, help="senet's name of the architecture, e.g. se_resnet50")
    p.add_argument("--source", choices=sorted(SOURCES), default="cadene",
                   help="where the weights come from, which decides the input they expect (cadene)")
    p.add_argument("--input-size", help="S or HxW (default: the source's, 224 or 32)")
    p.add_argument("--labels", help="class names, one per line, to record (ImageNet's are built in)")
    p.add_argument("--se-reduction", help="the SE reduction, when not 16")
    args = p.parse_args()

    obj = torch.load(args.pth, map_location="cpu")
    tensors = {name: as_written(t) for name, t in state_dict_of(obj).items()}
    if "last_linear.weight" not in tensors:
        raise SystemExit("pth_to_safetensors: no 'last_linear.weight': not a state dict in the layout senet reads "
                         "(README 'Weights')")
    normalize, size = SOURCES[args.source]
    metadata = {
        "arch": args.arch,
        "num_classes": str(tensors["last_linear.weight"].shape[0]),
        "input_size": args.input_size or str(size),
        "normalize": normalize,
        "command": "pth_to_safetensors.py %s --arch %s --source %s" % (os.path.basename(args.pth), args.arch,
                                                                       args.source),
    }
    if args.se_reduction:
        metadata["se_reduction"] = args.se_reduction
    if args.labels:
        with open(args.labels, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
        if len(names) != tensors["last_linear.weight"].shape[0]:
            raise SystemExit("pth_to_safetensors: %s has %d names, the classifier %d outputs" %
                             (args.labels, len(names), tensors["last_linear.weight"].shape[0]))
        metadata["class_names"] = "\n".join(names)
    save_safetensors(args.output, tensors, metadata)
    missing = sum(1 for n in tensors if n.endswith("num_batches_tracked")) == 0
    print("%s: %d tensors, %s, normalisation %s%s" % (args.output, len(tensors), args.arch, normalize,
                                                     "; no num_batches_tracked (senet loads them as 0)"
                                                     if missing else ""))


if __name__ == "__main__":
    main()
