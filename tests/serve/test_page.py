"""senet serve's web page in a real browser (issue 21): headless Chromium
(Debian's chromium), driven over the DevTools protocol on a pipe (no
WebSocket library, nothing downloaded), loads /, uploads a real photo
through the page's file input, and the test reads the top-5 and the SE
strips from the page's DOM and compares them with POST /v1/classify of
the same file. The page's screenshot is saved as a test artefact.

usage: test_page.py SENET ARCHIVE MODEL SCREENSHOT [PHOTOS_DIR]"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from serve_common import Server, check, cifar_images, fail

senet, archive, model, screenshot = sys.argv[1:5]
photos = sys.argv[5] if len(sys.argv) > 5 else ""
tmp = tempfile.mkdtemp(prefix="senet-serve-page-")
# A real photo (scripts/photos.sh puts darknet's and scikit-image's in build/photos), else a CIFAR test JPEG.
photo = next((os.path.join(photos, f) for f in ["dog.jpg", "chelsea.png", "horses.jpg"]
              if photos and os.path.exists(os.path.join(photos, f))), None) or cifar_images(archive, 1, tmp)[0]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
check(chromium, "chromium is not installed (scripts/deps.sh --test)")


class Browser:
    """Chromium with --remote-debugging-pipe: CDP messages are NUL-terminated JSON on fds 3 (to it) and 4 (from it)."""

    def __init__(self):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # fds 3 and 4 are the child's pipe ends after fds() (pass_fds keeps those numbers open past close_fds)
        self.profile = tempfile.mkdtemp(prefix="senet-chromium-")

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--user-data-dir=" + self.profile, "--no-first-run", "--disable-extensions",
             "--window-size=1100,1200", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "chromium.log"), "w"))
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_r, 1 << 16)
            if not chunk:
                fail("chromium closed its DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Page.navigate", {"url": url})

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            fail("page script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def wait(self, expr, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = self.eval(expr)
            if v:
                return v
            time.sleep(0.1)
        fail("timed out waiting for %s" % expr)

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except SystemExit:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


with Server(senet, "--weights", model, "--arch", "se_resnet20") as s:
    with open(photo, "rb") as f:
        ref = s.classify(f.read(), "top=5&excitations=1")
    b = Browser()
    try:
        b.open("http://127.0.0.1:%d/" % s.port)
        b.wait("document.readyState === 'complete' && document.getElementById('file') !== null")
        b.wait("document.getElementById('model').textContent.includes('se_resnet20')")
        doc = b.send("DOM.getDocument")["root"]["nodeId"]
        node = b.send("DOM.querySelector", {"nodeId": doc, "selector": "#file"})["nodeId"]
        b.send("DOM.setFileInputFiles", {"files": [os.path.abspath(photo)], "nodeId": node})
        state = b.wait("['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state")
        check(state == "done", "the page failed: %s" % b.eval("document.getElementById('error').textContent"))
        preds = b.eval("[...document.querySelectorAll('.pred')].map(r => [Number(r.dataset.index), "
                       "r.querySelector('.label').textContent, Number(r.dataset.probability), "
                       "r.querySelector('.bar').style.width])")
        strips = b.eval("[...document.querySelectorAll('.strip')].map(r => [r.dataset.name, "
                        "r.dataset.values.split(',').map(Number), r.querySelector('canvas').width])")
        shown = b.eval("document.getElementById('preview').naturalWidth > 0")
        timing = b.eval("document.getElementById('time').textContent")
        shot = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot))
    finally:
        b.close()
    want = [(p["index"], p["label"], p["probability"]) for p in ref["predictions"]]
    check([tuple(p[:3]) for p in preds] == want, "the page's top-5 %s != /v1/classify's %s" % (preds, want))
    check(all(abs(float(p[3].rstrip("%")) - 100 * w[2]) <= 0.05 for p, w in zip(preds, want)),
          "bars as wide as the probability: %s"
          % [p[3] for p in preds])
    check(len(strips) == len(ref["excitations"]) == 9, "one strip per SE block: %d" % len(strips))
    for (name, values, cells), e in zip(strips, ref["excitations"]):
        check(name == e["name"] and values == e["values"] and cells == len(e["values"]),
              "strip %s differs from /v1/classify's excitations" % name)
    check(shown, "the image is shown")
    check("ms" in timing, "the time taken is shown: %r" % timing)
    check(os.path.getsize(screenshot) > 10000, "a screenshot was saved")
    print("page: %s -> %s; top-5 and %d SE strips (%s channels) equal /v1/classify's; %s; screenshot %s"
          % (os.path.basename(photo), preds[0][1], len(strips), "/".join(str(x[2]) for x in strips[::3]), timing,
             screenshot))
    check(s.stop() == 0, "exit 0")
print("ok")
