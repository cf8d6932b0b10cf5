"""senet serve, each endpoint end to end (issue 21): /v1/classify equals
`senet classify` for the same images (JPEG and PNG), the v2 infer answers
(JSON and binary tensors) equal `senet forward`, the metadata, health,
metrics and page endpoints, curl as a client, the JSON log, and the
start-up failures (port in use, weights that do not load, --precision).

usage: test_endpoints.py SENET ARCHIVE MODEL"""
import io
import json
import os
import socket
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from serve_common import (Server, check, cifar_images, fail, forward, infer_binary, infer_json, logits_of)

senet, archive, model = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="senet-serve-test-")
images = cifar_images(archive, 10, tmp)
png = os.path.join(tmp, "as_png.png")
Image.open(images[0]).save(png)
images.append(png)

cli = json.loads(subprocess.run([senet, "classify", "--weights", model, "--arch", "se_resnet20", "--top", "10",
                                 "--json", "--threads", "1", *images], check=True, capture_output=True).stdout)

with Server(senet, "--weights", model, "--arch", "se_resnet20", "--name", "cifar", "--log-json") as s:
    # /v1/classify against senet classify: the same classes, the same probabilities.
    for path, want in zip(images, cli["images"]):
        with open(path, "rb") as f:
            got = s.classify(f.read(), "top=10")
        check(got["model"] == "cifar" and got["arch"] == "se_resnet20", "classify names the model: %s" % got)
        pairs = [(p["index"], p["label"], p["probability"]) for p in got["predictions"]]
        ref = [(t["class"], t["name"], t["probability"]) for t in want["top"]]
        check(pairs == ref, "%s: server %s != senet classify %s" % (path, pairs, ref))
        check(got["ms"] >= 0 and got["batch_size"] >= 1, "classify reports time and batch: %s" % got)
    print("classify: %d images (one PNG) equal senet classify's top-10" % len(images))
    with open(images[1], "rb") as f:
        jpeg = f.read()
    top3 = s.classify(jpeg, "top=3")
    check(len(top3["predictions"]) == 3, "top=3 gives 3")
    ex = s.classify(jpeg, "top=5&excitations=1")["excitations"]
    check(len(ex) == 9 and [len(e["values"]) for e in ex] == [16] * 3 + [32] * 3 + [64] * 3,
          "se_resnet20 has 9 SE blocks of 16, 32, 64 channels: %s" % [(e["name"], len(e["values"])) for e in ex])
    check(all(0 <= v <= 1 for e in ex for v in e["values"]), "sigmoid gates lie in [0, 1]")
    check("excitations" not in top3, "excitations only when asked for")

    # Open Inference Protocol v2.
    check(s.json("GET", "/v2/health/live")["status"] == "ok", "live")
    check(s.json("GET", "/v2/health/ready")["status"] == "ok", "ready")
    meta = s.json("GET", "/v2")
    check(meta["name"] == "senet" and "binary_tensor_data" in meta["extensions"], "server metadata: %s" % meta)
    mm = s.json("GET", "/v2/models/cifar")
    check(mm["name"] == "cifar" and mm["inputs"][0] == {"name": "input", "datatype": "FP32", "shape": [-1, 3, 32, 32]}
          and mm["outputs"][0] == {"name": "logits", "datatype": "FP32", "shape": [-1, 10]}, "model metadata: %s" % mm)
    check(s.get("/v2/models/cifar/ready")[0] == 200, "model ready")
    rng = np.random.default_rng(21)
    x = rng.standard_normal((3, 3, 32, 32)).astype(np.float32)
    want = forward(senet, model, x, tmp)
    body, headers = infer_json(x)
    got_json = logits_of(*s.request("POST", "/v2/models/cifar/infer", body, headers))
    check(np.array_equal(got_json, want), "v2 JSON logits equal senet forward's (max diff %g)" %
          np.abs(got_json - want).max())
    body, headers = infer_binary(x)
    got_bin = logits_of(*s.request("POST", "/v2/models/cifar/infer", body, headers))
    check(np.array_equal(got_bin, want), "v2 binary logits equal senet forward's (max diff %g)" %
          np.abs(got_bin - want).max())
    body, headers = infer_json(x, binary_out=True)
    got_mixed = logits_of(*s.request("POST", "/v2/models/cifar/infer", body, headers))
    check(np.array_equal(got_mixed, want), "JSON in, binary out equals senet forward's")
    nested = json.dumps({"inputs": [{"name": "input", "shape": [3, 3, 32, 32], "datatype": "FP32",
                                     "data": x.tolist()}]}).encode()
    check(np.array_equal(logits_of(*s.post("/v2/models/cifar/infer", nested, "application/json")), want),
          "nested JSON data equals flat")
    print("v2 infer: JSON, binary and nested answers equal senet forward bit for bit")

    # curl as the client.
    out = subprocess.run(["curl", "-s", "-f", "--data-binary", "@" + images[2], "-H", "Content-Type: image/jpeg",
                          "http://127.0.0.1:%d/v1/classify?top=2" % s.port], check=True, capture_output=True).stdout
    check(json.loads(out)["predictions"][0]["index"] == cli["images"][2]["top"][0]["class"], "curl classify")
    metrics = subprocess.run(["curl", "-s", "-f", "http://127.0.0.1:%d/metrics" % s.port], check=True,
                             capture_output=True, text=True).stdout
    for needle in ['senet_requests_total{endpoint="classify",status="200"}',
                   'senet_request_duration_seconds_bucket{endpoint="classify",le="+Inf"}',
                   'senet_batch_size_bucket{le="1"}', "senet_queue_depth 0", "senet_images_per_second",
                   "senet_model_load_seconds", "# TYPE senet_request_duration_seconds histogram",
                   'senet_requests_total{endpoint="infer",status="200"} 4']:
        check(needle in metrics, "metrics lack %s:\n%s" % (needle, metrics))
    images_total = [l for l in metrics.splitlines() if l.startswith("senet_images_total ")]
    check(images_total and int(images_total[0].split()[1]) == len(images) + 2 + 12 + 1,
          "images counted: %s" % images_total)
    print("curl: classify and /metrics (Prometheus text with histograms)")

    # The page: served by the binary, nothing fetched from elsewhere.
    status, page, headers = s.get("/")
    text = page.decode()
    check(status == 200 and headers["content-type"].startswith("text/html"), "GET / is HTML")
    check("http://" not in text and "https://" not in text and "<link" not in text and "src=\"" not in text
          and "@import" not in text, "the page refers to nothing outside itself")
    check("/v1/classify?top=5&excitations=1" in text, "the page classifies with excitations")
    check(s.json("GET", "/v1/model")["se_blocks"] == 9, "/v1/model")
    log = [json.loads(l) for l in s.text().splitlines() if l.startswith("{")]
    check(any(l["path"] == "/v1/classify" and l["status"] == 200 and l["bytes"] > 0 and l["ms"] >= 0
              and l["method"] == "POST" and l["time"].endswith("Z") for l in log),
          "--log-json writes one JSON object per request: %s" % log[:3])
    check(len([l for l in log if l["path"] == "/v1/classify"]) == len(images) + 3, "one log line per request")
    rc = s.stop()
    check(rc == 0, "SIGTERM exits 0 (got %d)" % rc)

    # A port in use: a clear message and a non-zero exit.
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    r = subprocess.run([senet, "serve", "--port", str(busy.getsockname()[1]), "--weights", model, "--arch", "se_resnet20"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode != 0 and "cannot listen" in r.stderr and "Address already in use" in r.stderr,
          "port in use: %d %s" % (r.returncode, r.stderr))
    busy.close()
    bad = os.path.join(tmp, "bad.safetensors")
    with open(bad, "wb") as f:
        f.write(b"not a safetensors file")
    r = subprocess.run([senet, "serve", "--port", "0", "--weights", bad, "--arch", "se_resnet20"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode != 0 and "bad.safetensors" in r.stderr, "bad weights: %d %s" % (r.returncode, r.stderr))
    r = subprocess.run([senet, "serve", "--precision", "fp16"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "not built yet" in r.stderr, "--precision fp16: %s" % r.stderr)
    print("start-up: port in use, bad weights and --precision fp16 fail with a message")

# Not ready while the model loads: weights from a FIFO block the load until a writer comes.
fifo = os.path.join(tmp, "slow.safetensors")
os.mkfifo(fifo)
with Server(senet, "--weights", fifo, "--arch", "se_resnet20", ready=False) as s:
    check(s.get("/v2/health/live")[0] == 200, "live while loading")
    check(s.get("/v2/health/ready")[0] == 503, "not ready while loading")
    check(s.post("/v1/classify", jpeg, "image/jpeg")[0] == 503, "classify 503 while loading")
    os.close(os.open(fifo, os.O_WRONLY))  # an empty file: the load fails
    rc = s.proc.wait(30)
    check(rc == 1 and "slow.safetensors" in s.text(), "a failed load exits 1 naming the file: %d %s" % (rc, s.text()))
print("loading: live 200, ready and classify 503 until the model is in")
print("ok")
