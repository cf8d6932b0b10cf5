"""senet serve's dynamic batching and shutdown (issue 21, items 3 and 5):
concurrent requests run together (batch_size > 1, the batch-size
histogram agrees) and each answer equals the one the image gets alone
(senet classify, and senet forward for v2 tensors of several sizes
queued together) up to float rounding: the library's forward of N images
is not bit-identical to N forwards of one (its GEMM blocks differ with N),
so the same classes in the same order and logits within 1e-4 are asked
for, and the largest difference is printed. Answers of batch 1 are
bit-identical (test_endpoints.py). SIGTERM with requests in flight answers all of them,
refuses new connections, and exits 0.

usage: test_batching.py SENET ARCHIVE MODEL"""
import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from serve_common import Server, check, cifar_images, forward, infer_binary, logits_of

senet, archive, model = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="senet-serve-batch-")
images = cifar_images(archive, 24, tmp)
data = [open(p, "rb").read() for p in images]
cli = json.loads(subprocess.run([senet, "classify", "--weights", model, "--arch", "se_resnet20", "--top", "10",
                                 "--json", "--threads", "1", *images], check=True, capture_output=True).stdout)
want = [[(t["class"], t["probability"]) for t in im["top"]] for im in cli["images"]]


def run_all(jobs):
    """Runs the callables at once, one thread each; their results in order."""
    out = [None] * len(jobs)
    def go(i):
        out[i] = jobs[i]()
    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


with Server(senet, "--weights", model, "--arch", "se_resnet20", "--name", "m", "--max-batch", "8",
            "--max-delay-ms", "100", "--http-threads", "8") as s:
    answers = run_all([lambda d=d: s.classify(d, "top=10") for d in data])
    sizes = [a["batch_size"] for a in answers]
    check(max(sizes) > 1, "concurrent requests were batched: sizes %s" % sizes)
    check(max(sizes) <= 8, "no batch over --max-batch 8: %s" % sizes)
    worst = 0.0
    for path, a, w in zip(images, answers, want):
        got = [(p["index"], p["probability"]) for p in a["predictions"]]
        check([g[0] for g in got] == [x[0] for x in w], "%s in a batch of %d: classes %s != alone %s"
              % (path, a["batch_size"], got, w))
        diff = max(abs(g[1] - x[1]) / max(x[1], 1e-30) for g, x in zip(got, w))
        check(diff < 1e-4, "%s in a batch of %d: probabilities %s != alone %s" % (path, a["batch_size"], got, w))
        worst = max(worst, diff)
    metrics = s.get("/metrics")[1].decode()
    count = int(re.search(r"^senet_batch_size_count (\d+)", metrics, re.M).group(1))
    ones = int(re.search(r'^senet_batch_size_bucket\{le="1"\} (\d+)', metrics, re.M).group(1))
    check(count < len(data) and ones < count, "the histogram shows batches: %d passes, %d of one" % (count, ones))
    print("classify: 24 concurrent requests in %d passes (batch sizes %s), classes equal to senet classify's, "
          "probabilities within %.2g relative" % (count, sorted(set(sizes)), worst))

    # v2 tensors of two sizes and several N queued together: each equals senet forward alone.
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((n, 3, hw, hw)).astype(np.float32) for n, hw in
          [(1, 32), (2, 32), (3, 32), (1, 40), (2, 40), (1, 32), (2, 32)]]
    refs = [forward(senet, model, x, tmp) for x in xs]
    got = run_all([lambda x=x: logits_of(*s.request("POST", "/v2/models/m/infer", *infer_binary(x))) for x in xs])
    worst = 0.0
    for x, g, r in zip(xs, got, refs):
        worst = max(worst, float(np.abs(g - r).max()))
        check(np.abs(g - r).max() < 1e-4, "v2 %s batched: max diff %g from senet forward" % (x.shape, np.abs(g - r).max()))
    print("v2: 7 concurrent tensors (N 1-3, 32x32 and 40x40) equal senet forward's logits within %.2g" % worst)
    check(s.stop() == 0, "exit 0")

# SIGTERM with requests in flight: queued behind a long --max-delay-ms, all answered.
with Server(senet, "--weights", model, "--arch", "se_resnet20", "--max-batch", "64", "--max-delay-ms", "1500",
            "--http-threads", "4") as s:
    results = [None] * 12
    def shoot(i):
        try:
            results[i] = s.classify(data[i], "top=10")
        except Exception as e:  # noqa: BLE001 (the test reports what failed)
            results[i] = e
    threads = [threading.Thread(target=shoot, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # all queued, none run: the batcher waits 1.5 s for more
    depth = int(re.search(r"^senet_queue_depth (\d+)", s.get("/metrics")[1].decode(), re.M).group(1))
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    for t in threads:
        t.join()
    rc = s.proc.wait(30)
    ok = [r for r in results if isinstance(r, dict)]
    check(len(ok) == 12, "all 12 requests in flight answered: %s" % [type(r).__name__ for r in results])
    for r, w in zip(results, want):
        check([p["index"] for p in r["predictions"]] == [x[0] for x in w], "answers after SIGTERM are right")
    check(refused, "no new connection is accepted after SIGTERM")
    check(rc == 0, "exit 0 after SIGTERM (got %d)" % rc)
    check("finishing" in s.text() and "stopped" in s.text(), "the shutdown is logged")
    print("SIGTERM: %d queued requests all answered (in a batch of %d), new connections refused, exit 0"
          % (depth, results[0]["batch_size"]))
print("ok")
