#!/usr/bin/env python3
"""SIGKILL at random moments of a training run, then resume.

senet train is killed N times (default 20), each time in a fresh run: at a
random moment (stratified over the run's length), while it writes a
checkpoint (its temporary file exists), or while it evaluates (just after
the last batch of an epoch is reported and its checkpoint written; the
resume must then finish that epoch's evaluation). Every time, the checkpoint left on
disk must load and the run resumed from it must end with final weights and
best weights (best.safetensors) byte-identical to those of an uninterrupted
run (same seed, one thread).
A kill before the first checkpoint restarts the run from scratch.
Usage: kill_resume_test.py SENET CIFAR10_JPEG_ARCHIVE [KILLS]"""
import filecmp, glob, os, random, shutil, signal, subprocess, sys, tarfile, tempfile, threading, time

senet, archive = sys.argv[1], sys.argv[2]
kills = int(sys.argv[3]) if len(sys.argv) > 3 else 20
rand = random.Random(20240917)
tmp = tempfile.mkdtemp(prefix="senet-kill-")
failures = []

def extract():
    """16 training and 10 test images per class."""
    def wanted(name):
        parts = name.split("/")
        if len(parts) != 3 or not parts[2].endswith(".jpg"):
            return False
        index = int(parts[2][:4])
        return index < (16 if parts[0] == "train" else 10) and parts[0] in ("train", "test")
    with tarfile.open(archive) as t:
        members = [m for m in t.getmembers() if wanted(m.name)]
        t.extractall(tmp, members=members)
    return len(members)

def same_tensors(a, b):
    return subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "same_tensors.py"),
                           a, b]).returncode == 0

def args(out):
    # 160 images in batches of 20: 8 steps an epoch; checkpoints at steps
    # 3, 6, 9, 12, 15 and after each epoch; dropout so that its RNG matters.
    return [senet, "train", "--arch", "se_resnet20", "--data", tmp, "--epochs", "2", "--batch", "20",
            "--lr", "0.05", "--dropout", "0.2", "--seed", "7", "--threads", "1", "--checkpoint-every", "3",
            "--out", out]

def start(out):
    return subprocess.Popen(args(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

def drain(p, lines):
    for line in p.stderr:
        lines.append(line)

def kill_at_time(p, out, delay):
    time.sleep(delay)

def kill_in_checkpoint_write(p, out, delay):
    time.sleep(delay)
    while p.poll() is None and not glob.glob(os.path.join(out, "checkpoint.safetensors.tmp.*")):
        time.sleep(0.0002)

def kill_in_eval(p, out, epoch, lines):
    """After the epoch's last batch and its checkpoint, while it evaluates."""
    mark = "epoch %d/2  step %d  batch 8/8" % (epoch, 8 * epoch)
    while p.poll() is None and not any(l.startswith(mark) for l in lines):
        time.sleep(0.0002)
    checkpoint = os.path.join(out, "checkpoint.safetensors")
    before = os.stat(checkpoint).st_mtime_ns if os.path.exists(checkpoint) else 0
    while p.poll() is None and (not os.path.exists(checkpoint) or os.stat(checkpoint).st_mtime_ns == before):
        time.sleep(0.0002)

count = extract()
if count != 260:
    print("FAIL extracted %d images, not 260" % count)
    sys.exit(1)
straight = os.path.join(tmp, "straight")
started = time.monotonic()
if subprocess.run(args(straight), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
    print("FAIL the uninterrupted run failed")
    sys.exit(1)
length = time.monotonic() - started
print("uninterrupted run: %.1f s" % length)

# 3 of 5 kills at a random moment, 1 in a checkpoint write, 1 in evaluation
# (in an order that covers all three kinds with the first three kills).
kinds = ["time", "checkpoint", "eval", "time", "time"]
n_time = sum(1 for i in range(kills) if kinds[i % 5] == "time")
time_slot = 0
where = {}
for i in range(kills):
    kind = kinds[i % 5]
    out = os.path.join(tmp, "run%02d" % i)
    p = start(out)
    lines = []
    reader = threading.Thread(target=drain, args=(p, lines))
    reader.start()
    if kind == "time":
        kill_at_time(p, out, (time_slot + rand.random()) * length / n_time)
        time_slot += 1
    elif kind == "checkpoint":
        kill_in_checkpoint_write(p, out, rand.random() * 0.8 * length)
    else:
        kill_in_eval(p, out, rand.choice([1, 2]), lines)
    finished = p.poll() is not None
    if not finished:
        p.send_signal(signal.SIGKILL)
    p.wait()
    reader.join()
    leftover = glob.glob(os.path.join(out, "checkpoint.safetensors.tmp.*"))
    checkpoint = os.path.join(out, "checkpoint.safetensors")
    if finished:
        moment = "after the end (not killed)"
    elif leftover:
        moment = "during a checkpoint write"
    elif kind == "eval":
        moment = "during evaluation"
    else:
        moment = "at a random moment"
    if not finished and not os.path.exists(checkpoint):
        moment += ", before the first checkpoint"
    where[moment] = where.get(moment, 0) + 1
    resume = args(out) + (["--resume", checkpoint] if os.path.exists(checkpoint) else [])
    r = subprocess.run(resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # the tensors, byte for byte (the metadata names each run's own command and folder)
    ok = r.returncode == 0 and all(same_tensors(os.path.join(straight, name), os.path.join(out, name))
                                   for name in ("final.safetensors", "best.safetensors"))
    if kind == "eval" and not finished:
        # killed after the epoch's checkpoint, before its evaluation ended:
        # the resume must finish that evaluation (its log line, its best)
        ok = ok and "was not evaluated before the run stopped" in r.stderr
    print("%s kill %2d (%s): %s" % ("ok  " if ok else "FAIL", i + 1, kind, moment))
    if not ok:
        failures.append(i + 1)
        print("  resume exit %d: %s" % (r.returncode, r.stderr.strip()[-500:]))
    shutil.rmtree(out)

shutil.rmtree(tmp)
for moment, n in sorted(where.items()):
    print("%2d killed %s" % (n, moment))
print("%d passed, %d failed" % (kills - len(failures), len(failures)))
sys.exit(1 if failures else 0)
