"""senet serve under bad input and abuse (issue 21, item 4): a body over
--max-body-mb is refused 413 before it is sent, images over --max-pixels
413 (from the header, before decoding), broken images, JSON, shapes and
datatypes 400 with a JSON error, 404, 405, 415, a slowloris dropped after
--timeout while others are served, a flood of connections over
--max-connections refused, a full queue 503 with Retry-After; and after
all of it the server still answers.

usage: test_limits.py SENET ARCHIVE MODEL"""
import json
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import zlib

import numpy as np

from serve_common import Server, check, cifar_images, infer_binary, infer_json

senet, archive, model = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="senet-serve-limits-")
jpeg = open(cifar_images(archive, 1, tmp)[0], "rb").read()


def png_claiming(w, h):
    """A tiny PNG whose header claims w x h pixels (a decompression bomb's shape)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def expect_error(s, status, method, path, body=None, headers=None, contains=""):
    got, data, hdrs = s.request(method, path, body, headers)
    check(got == status, "%s %s: %d, expected %d: %s" % (method, path, got, status, data[:200]))
    err = json.loads(data)["error"]
    check(contains.lower() in err.lower(), "%s %s: error %r does not say %r" % (method, path, err, contains))
    return hdrs


def still_answers(s, what):
    got = s.classify(jpeg)
    check(got["predictions"][0]["probability"] > 0, "after %s the server still classifies" % what)


with Server(senet, "--weights", model, "--arch", "se_resnet20", "--name", "m", "--max-body-mb", "1",
            "--max-pixels", "1000000", "--timeout", "2", "--max-connections", "8") as s:
    # 413 before the body is read: headers only, then the answer must come without our sending a byte.
    for expect in [b"Expect: 100-continue\r\n", b""]:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1048577\r\n"
                  + expect + b"\r\n")
        head = c.recv(4096).decode(errors="replace")
        check(head.startswith("HTTP/1.1 413") and "over the limit" in head,
              "an oversized Content-Length is answered 413 before the body: %r" % head[:200])
        c.close()
    # Decompression bombs: refused on the header's claim.
    expect_error(s, 413, "POST", "/v1/classify", png_claiming(30000, 30000), {"Content-Type": "image/png"},
                 "by its header")
    expect_error(s, 413, "POST", "/v1/classify", png_claiming(2000, 1000), {"Content-Type": "image/png"},
                 "max-pixels")
    # Not images.
    expect_error(s, 400, "POST", "/v1/classify", b"hello, world", {"Content-Type": "image/jpeg"})
    expect_error(s, 400, "POST", "/v1/classify", jpeg[:len(jpeg) // 2], {"Content-Type": "image/jpeg"})
    expect_error(s, 400, "POST", "/v1/classify", png_claiming(16, 16), {"Content-Type": "image/png"})
    expect_error(s, 400, "POST", "/v1/classify", b"", {"Content-Type": "image/jpeg"}, "empty")
    expect_error(s, 400, "POST", "/v1/classify?top=0", jpeg, {"Content-Type": "image/jpeg"}, "top")
    expect_error(s, 415, "POST", "/v1/classify", jpeg, {"Content-Type": "text/plain"}, "not an image")
    # Bad tensors and JSON.
    x = np.zeros((1, 3, 32, 32), np.float32)
    infer = "/v2/models/m/infer"
    expect_error(s, 400, "POST", infer, b"{\"inputs\": [", {"Content-Type": "application/json"}, "malformed JSON")
    expect_error(s, 400, "POST", infer, b"[1, 2]", {"Content-Type": "application/json"}, "inputs")
    body = json.loads(infer_json(x)[0])
    for change, says in [(("datatype", "INT64"), "datatype"), (("shape", [1, 1, 32, 32]), "shape"),
                         (("shape", [1, 3, 32]), "shape"), (("name", "image"), "unknown input"),
                         (("data", [0.0] * 10), "needs"), (("data", ["a"] * 3072), "non-number")]:
        bad = json.loads(json.dumps(body))
        bad["inputs"][0][change[0]] = change[1]
        expect_error(s, 400, "POST", infer, json.dumps(bad).encode(), {"Content-Type": "application/json"}, says)
    raw, hdrs = infer_binary(x)
    expect_error(s, 400, "POST", infer, raw[:-4], hdrs, "binary")
    expect_error(s, 400, "POST", infer, raw, dict(hdrs, **{"Inference-Header-Content-Length": "999999"}), "Length")
    expect_error(s, 413, "POST", infer, json.dumps({"inputs": [{"name": "input", "datatype": "FP32",
                 "shape": [1, 3, 2000, 2000], "parameters": {"binary_data_size": 48000000}}]}).encode(),
                 {"Content-Type": "application/json"}, "max-pixels")
    # Unknown paths and models, wrong methods.
    expect_error(s, 404, "GET", "/nothing/here", contains="no such endpoint")
    expect_error(s, 404, "GET", "/v2/models/other", contains="unknown model")
    expect_error(s, 404, "POST", "/v2/models/other/infer", b"{}", contains="unknown model")
    h = expect_error(s, 405, "GET", "/v1/classify", contains="not allowed")
    check(h.get("allow") == "POST", "405 names the allowed method: %s" % h)
    expect_error(s, 405, "DELETE", "/metrics", contains="not allowed")
    expect_error(s, 405, "POST", "/v2/health/ready", b"", contains="not allowed")
    still_answers(s, "bad requests")
    print("bad input: 413 (body before reading, pixels from the header), 400, 404, 405, 415 with JSON errors")

    # Slowloris: headers one byte at a time, and a body that never ends; both dropped after --timeout 2.
    def slow(data, result):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=20)
        t0 = time.time()
        try:
            for b in data:
                c.sendall(bytes([b]))
                time.sleep(0.3)
            result.append(("finished", time.time() - t0))
        except OSError:
            result.append(("dropped", time.time() - t0))
        finally:
            c.close()
    slow_headers = b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nX-Padding: " + b"a" * 200
    slow_body = b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    results = [[], []]
    threads = [threading.Thread(target=slow, args=(slow_headers, results[0])),
               threading.Thread(target=lambda: slow.__call__(slow_body + b"z" * 200, results[1]) if False else None)]
    # the slow body sends its headers at once, then trickles
    def slow_after_headers(result):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=20)
        t0 = time.time()
        try:
            c.sendall(slow_body)
            for _ in range(200):
                c.sendall(b"z")
                time.sleep(0.3)
            result.append(("finished", time.time() - t0))
        except OSError:
            result.append(("dropped", time.time() - t0))
        finally:
            c.close()
    threads[1] = threading.Thread(target=slow_after_headers, args=(results[1],))
    for t in threads:
        t.start()
    t0 = time.time()
    served = 0
    while any(t.is_alive() for t in threads) and time.time() - t0 < 15:
        still_answers(s, "a slowloris")
        served += 1
        time.sleep(0.2)
    for t in threads:
        t.join()
    for what, r in zip(["slow headers", "slow body"], results):
        check(r and r[0][0] == "dropped" and r[0][1] < 6, "%s: %s (expected dropped after ~2 s)" % (what, r))
    print("slowloris: slow headers dropped after %.1f s, slow body after %.1f s; %d requests served meanwhile"
          % (results[0][0][1], results[1][0][1], served))

    # A flood: 40 connections against a limit of 8; the extra ones are refused, not queued.
    flood, refused = [], 0
    for _ in range(40):
        try:
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            flood.append(c)
        except OSError:
            refused += 1
    time.sleep(0.5)
    for c in flood:
        try:
            c.settimeout(0.5)
            c.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            data = c.recv(100)
            if not data:
                refused += 1
        except OSError:
            refused += 1
    for c in flood:
        c.close()
    check(refused >= 40 - 8, "over the connection limit %d of 40 were refused (expected >= 32)" % refused)
    time.sleep(0.5)
    still_answers(s, "a connection flood")
    print("flood: %d of 40 connections refused over a limit of 8; still answering" % refused)
    check(s.stop() == 0, "exit 0")

# A full queue: one image at a time, one waiting, the rest 503 with Retry-After.
with Server(senet, "--weights", model, "--arch", "se_resnet20", "--name", "m", "--max-batch", "1",
            "--max-queue", "1", "--max-delay-ms", "0", "--http-threads", "8") as s:
    big = np.zeros((1, 3, 160, 160), np.float32)
    body, hdrs = infer_binary(big)
    answers = []

    def shoot():
        got, data, h = s.request("POST", "/v2/models/m/infer", body, hdrs)
        answers.append((got, h.get("retry-after"), data[:100]))
    threads = [threading.Thread(target=shoot) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = [a for a in answers if a[0] == 503]
    check(busy and all(a[1] == "1" and b"queue is full" in a[2] for a in busy),
          "a full queue answers 503 with Retry-After: %s" % sorted(set((a[0], a[1]) for a in answers)))
    check(all(a[0] in (200, 503) for a in answers), "only 200 and 503: %s" % [a[0] for a in answers])
    still_answers(s, "a full queue")
    print("queue full: %d of 16 answered 503 with Retry-After: 1, the others 200" % len(busy))
    check(s.stop(signal.SIGINT) == 0 and "SIGINT" in s.text(), "SIGINT stops it too, exit 0")
print("ok")
