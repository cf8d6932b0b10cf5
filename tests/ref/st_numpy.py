"""Read and write safetensors files with numpy alone.

The format: an 8-byte little-endian header length N, N bytes of JSON
({name: {"dtype", "shape", "data_offsets": [begin, end]}, optional
"__metadata__": {str: str}}), then the tensors' little-endian bytes,
offsets counted from the end of the header. The header is padded with
spaces to a multiple of 8 so that the data stays aligned.

    save(path, {name: array}, dtypes=None, metadata=None)
    load(path) -> {name: array}
    load(path, with_dtypes=True) -> ({name: array}, {name: dtype code})
    load_with_metadata(path) -> ({name: array}, {str: str})
    dtypes_of(path) -> {name: dtype code}
    f32_to_bf16_bits(x) -> uint16 array; round_to(x, code) -> float32 after a round trip

BF16 has no numpy type: it is written from and read into float32.
"""
import json
import struct

import numpy as np

_NUMPY_OF = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
_CODE_OF = {np.dtype(v).kind + str(np.dtype(v).itemsize): k for k, v in _NUMPY_OF.items()}


def _code_of(dtype):
    dt = np.dtype(dtype)
    key = dt.kind + str(dt.itemsize)
    if key not in _CODE_OF:
        raise ValueError("safetensors: no dtype code for numpy %s" % dt)
    return _CODE_OF[key]


def _to_bf16_bytes(arr):
    """float32 -> bfloat16 with round-to-nearest-even (NaN stays NaN)."""
    bits = np.ascontiguousarray(arr, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(np.asarray(arr, dtype=np.float32))
    rounded[nan] = 0x7FC0
    return rounded.astype("<u2").tobytes()


def _encode(arr, code):
    if code == "BF16":
        return _to_bf16_bytes(arr)
    if code not in _NUMPY_OF:
        raise ValueError("safetensors: unsupported dtype %s" % code)
    return np.ascontiguousarray(arr, dtype=_NUMPY_OF[code]).tobytes()


def save(path, tensors, dtypes=None, metadata=None):
    """tensors: {name: array}, written in the given order. dtypes: None (each
    array's own dtype), one code ("F16", "BF16", ...) for every floating
    tensor, or {name: code} for some tensors. metadata: {str: str} or None."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, value in tensors.items():
        arr = np.asarray(value)
        code = _code_of(arr.dtype)
        if isinstance(dtypes, str):
            if arr.dtype.kind == "f":
                code = dtypes
        elif dtypes and name in dtypes:
            code = dtypes[name] if isinstance(dtypes[name], str) else _code_of(dtypes[name])
        data = _encode(arr, code)
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_with_metadata(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d runs past the end of the file" % (path, n))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    body = raw[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        code = info["dtype"]
        itemsize = 2 if code == "BF16" else np.dtype(_NUMPY_OF[code]).itemsize
        if end - begin != count * itemsize or end > len(body):
            raise ValueError("%s: tensor %s has inconsistent data_offsets" % (path, name))
        if code == "BF16":
            half = np.frombuffer(body, dtype="<u2", count=count, offset=begin)
            arr = (half.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(body, dtype=_NUMPY_OF[code], count=count, offset=begin).copy()
        tensors[name] = arr.reshape(shape)
    return tensors, metadata


def dtypes_of(path):
    """{name: dtype code} as the file's header states them."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            raise ValueError("%s: too short for a safetensors file" % path)
        (n,) = struct.unpack("<Q", raw)
        header = json.loads(f.read(n).decode("utf-8"))
    header.pop("__metadata__", None)
    return {name: info["dtype"] for name, info in header.items()}


def load(path, with_dtypes=False):
    tensors = load_with_metadata(path)[0]
    if with_dtypes:
        return tensors, dtypes_of(path)
    return tensors


def f32_to_bf16_bits(x):
    """float32 -> bfloat16 bit patterns (uint16), rounded to nearest even."""
    arr = np.asarray(x, dtype=np.float32)
    return np.frombuffer(_to_bf16_bytes(arr), dtype="<u2").reshape(arr.shape)


def round_to(x, code):
    """The float32 values of x after a trip through dtype code "F32", "F16" or "BF16"."""
    arr = np.asarray(x, dtype=np.float32)
    if code == "F32":
        return arr.copy()
    if code == "F16":
        return arr.astype(np.float16).astype(np.float32)
    if code == "BF16":
        return (f32_to_bf16_bits(arr).astype(np.uint32) << 16).view(np.float32)
    raise ValueError("round_to: unsupported dtype %s" % code)
