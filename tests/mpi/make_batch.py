"""Writes a batch file for senet step: 'input' F32 (N, 3, S, S) of standard
normals and 'labels' I64 (N), from a seed. Usage: make_batch.py OUT N S SEED [K]"""
import sys

import numpy as np

import st_numpy

out, n, s, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
k = int(sys.argv[5]) if len(sys.argv) > 5 else 10
r = np.random.default_rng(seed)
st_numpy.save(out, {"input": r.standard_normal((n, 3, s, s)).astype(np.float32),
                    "labels": r.integers(0, k, n).astype(np.int64)})
