"""Compares two state dicts written by senet (step or train output).

Usage: compare.py A B [--max-abs T] [--min-abs T] [--skip NAME]...
Prints the largest absolute difference over every F32 tensor (parameters,
BN running statistics, 'loss') and the tensor it is in; checks that the
I64 tensors (num_batches_tracked) are equal. Exits 1 when the largest
difference is above --max-abs or below --min-abs (the second proves that a
test can tell two results apart)."""
import argparse
import sys

import numpy as np

import st_numpy

p = argparse.ArgumentParser()
p.add_argument("a")
p.add_argument("b")
p.add_argument("--max-abs", type=float)
p.add_argument("--min-abs", type=float)
p.add_argument("--skip", action="append", default=[], help="a tensor left out of the F32 comparison")
args = p.parse_args()
a, b = st_numpy.load(args.a), st_numpy.load(args.b)
if sorted(a) != sorted(b):
    sys.exit(f"tensor names differ: {sorted(set(a) ^ set(b))}")
worst, where = 0.0, None
for name in a:
    if a[name].shape != b[name].shape:
        sys.exit(f"{name}: shapes {a[name].shape} and {b[name].shape}")
    if a[name].dtype == np.int64:
        if not np.array_equal(a[name], b[name]):
            sys.exit(f"{name}: {a[name]} != {b[name]}")
        continue
    if name in args.skip:
        continue
    d = float(np.abs(a[name].astype(np.float64) - b[name].astype(np.float64)).max()) if a[name].size else 0.0
    if d > worst or where is None:
        worst, where = d, name
print(f"max abs difference {worst:.3g} (in {where})")
if args.max_abs is not None and not worst <= args.max_abs:
    sys.exit(f"above the tolerance {args.max_abs:g}")
if args.min_abs is not None and not worst >= args.min_abs:
    sys.exit(f"below {args.min_abs:g}: the two runs should differ")
