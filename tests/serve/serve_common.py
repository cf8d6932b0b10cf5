"""Shared helpers of the senet serve tests: start a server on a free
loopback port, talk to it with http.client, extract CIFAR test images,
and read and write the safetensors batches of `senet forward`."""
import http.client
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np


def fail(msg):
    print("FAIL:", msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class Server:
    """A `senet serve` child on port 0 (the port it took is read from its first line)."""

    def __init__(self, senet, *args, ready=True):
        self.log_path = tempfile.mktemp(prefix="senet-serve-", suffix=".log")
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen([senet, "serve", "--port", "0", "--threads", "1", *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=dict(os.environ))
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                fail("senet serve exited early (%d): %s" % (self.proc.returncode, self.text()))
            m = re.search(r"listening on http://[^:]+:(\d+)/", self.text())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        check(self.port, "senet serve did not say where it listens: " + self.text())
        if ready:
            while time.time() < deadline:
                try:
                    if self.get("/v2/health/ready")[0] == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            fail("senet serve never became ready: " + self.text())

    def text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read(), dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            c.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body, content_type="application/octet-stream", headers=None):
        h = {"Content-Type": content_type}
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def json(self, method, path, body=None, headers=None, expect=200):
        status, data, _ = self.request(method, path, body, headers)
        check(status == expect, "%s %s: %d, expected %d: %s" % (method, path, status, expect, data[:300]))
        return json.loads(data)

    def classify(self, image_bytes, query="top=5"):
        status, data, _ = self.post("/v1/classify?" + query, image_bytes, "image/jpeg")
        check(status == 200, "classify: %d %s" % (status, data[:300]))
        return json.loads(data)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("senet serve did not stop within %d s of the signal: %s" % (timeout, self.text()[-2000:]))
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def cifar_images(archive, count, folder):
    """The first `count` test JPEGs of the CIFAR-10 archive (a few per class), written to folder."""
    paths = []
    with tarfile.open(archive) as tar:
        for m in tar:
            if m.isfile() and m.name.startswith("test/") and m.name.endswith(".jpg"):
                cls, name = m.name.split("/")[1:3]
                if int(name[:4]) >= (count + 9) // 10:
                    continue
                out = os.path.join(folder, cls + "_" + name)
                with open(out, "wb") as f:
                    f.write(tar.extractfile(m).read())
                paths.append(out)
                if len(paths) == count:
                    break
    check(len(paths) == count, "the archive holds fewer than %d test images" % count)
    return sorted(paths)


def write_batch(path, x):
    """A safetensors file with 'input' F32 (N, 3, H, W), as `senet forward --input` reads."""
    x = np.ascontiguousarray(x, dtype="<f4")
    header = json.dumps({"input": {"dtype": "F32", "shape": list(x.shape), "data_offsets": [0, x.nbytes]}}).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + x.tobytes())


def read_tensor(path, name):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    meta = json.loads(data[8:8 + n])[name]
    a, b = meta["data_offsets"]
    return np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4").reshape(meta["shape"])


def forward(senet, model, x, folder):
    """`senet forward`'s logits for the batch x."""
    inp, out = os.path.join(folder, "in.safetensors"), os.path.join(folder, "out.safetensors")
    write_batch(inp, x)
    subprocess.run([senet, "forward", "--arch", "se_resnet20", "--weights", model, "--input", inp, "--output", out,
                    "--threads", "1"], check=True)
    return read_tensor(out, "logits")


def infer_json(x, binary_out=False):
    body = {"id": "t", "inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                   "data": [float(v) for v in x.reshape(-1)]}]}
    if binary_out:
        body["outputs"] = [{"name": "logits", "parameters": {"binary_data": True}}]
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def infer_binary(x):
    """The binary tensor extension: a JSON header, then the raw little-endian floats."""
    raw = np.ascontiguousarray(x, dtype="<f4").tobytes()
    header = json.dumps({"inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                     "parameters": {"binary_data_size": len(raw)}}],
                         "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    return header + raw, {"Content-Type": "application/octet-stream",
                          "Inference-Header-Content-Length": str(len(header))}


def logits_of(status, data, headers):
    """The logits (N, K) of an infer answer, JSON or binary."""
    check(status == 200, "infer: %d %s" % (status, data[:300]))
    if "inference-header-content-length" in headers:
        n = int(headers["inference-header-content-length"])
        meta = json.loads(data[:n])["outputs"][0]
        return np.frombuffer(data[n:], dtype="<f4").reshape(meta["shape"])
    meta = json.loads(data)["outputs"][0]
    return np.array(meta["data"], dtype=np.float32).reshape(meta["shape"])
