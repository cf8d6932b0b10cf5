"""Side-by-side benchmark: senet against PyTorch 1.13 and ONNX Runtime (CPU), writing docs/BENCHMARKS.md.

Run through bench/run.sh, which installs what this needs and builds senet first.

Every case (architecture, batch, threads) runs each engine in its own process: 'senet bench --json',
bench/torch_bench.py (PyTorch's best inference mode; training in eager mode, NCHW and channels_last)
and bench/ort/ort_bench.js (ONNX Runtime on the model that torch_bench.py exports from the same
reference architecture). A few cases then run senet alone with --profile, for the report's section
on where its time goes. The engines of a case run back to back, in an order rotated from case to
case and from round to round; small cases run two rounds and pool their timed runs. The reported time
is the median of the pooled runs, the min their minimum, the peak RSS the maximum over the rounds.
Before each case the CPU time that other processes used during one second is sampled, since the
machine this was written for is shared.

  python3 bench/run.py [--quick] [--only ARCH[,ARCH]] [--output PATH] [--wait-policy passive|active]
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILT_SENET = os.path.join(ROOT, "build", "senet")
# The binary under test is copied here first: build/ is shared, and a rebuild during the run
# must not change what is measured.
SENET = os.path.join(ROOT, "build", "bench", "senet")
PYTHON = "/usr/bin/python3"
TORCH_BENCH = os.path.join(ROOT, "bench", "torch_bench.py")
ORT_DIR = os.path.join(ROOT, "bench", "ort")
WORK = os.path.join(ROOT, "build", "bench")  # exported ONNX models, raw results
PASSIVE_SPINCOUNT = "30000"  # the senet tool's own default (cli/main.c), given to PyTorch too

# fp32 FMA peak of one core that reports of results saved before the run measured it (meta's
# machine.fma_peak_per_core, from 'senet bench', cli/fma_peak.c) assumed; hosts under the same name
# have measured 117 and 176.
ASSUMED_PEAK_PER_CORE = 175.0

INFERENCE_ARCHS = ["se_resnet50", "resnet50", "se_resnext50_32x4d", "senet154"]
# (arch, batch, threads, training) profiled with 'senet bench --profile'
PROFILED = [("se_resnet50", 1, 1, False), ("se_resnet50", 1, 2, False), ("resnet50", 1, 2, False),
            ("se_resnet50", 32, 2, False), ("se_resnext50_32x4d", 1, 2, False), ("senet154", 1, 2, False),
            ("se_resnet20", 128, 2, True), ("se_resnet50", 16, 2, True)]
ENGINES = ["senet", "pytorch", "onnxruntime"]
TRAIN_ENGINES = ["senet", "pytorch", "pytorch_cl"]
ENGINE_NAMES = {"senet": "senet", "pytorch": "PyTorch", "pytorch_cl": "PyTorch channels_last",
                "onnxruntime": "ONNX Runtime"}
PROCESS_TIMEOUT_S = 900
# Everything below this line of the report is written by hand and kept when the report is rewritten.
NOTES_MARKER = "<!-- Hand-written notes below this line are kept when bench/run.py rewrites the file. -->"


def case(kind, arch, batch, threads, rounds, runs, warmup, engines):
    return dict(kind=kind, arch=arch, batch=batch, threads=threads, rounds=rounds, runs=runs,
                warmup=warmup, engines=engines)


def plan(quick, only):
    """The cases and their run counts, chosen to keep the whole run near 20 minutes on 2 cores."""
    cases = []
    for arch in INFERENCE_ARCHS:
        big = arch == "senet154"
        for batch in (1, 8 if big else 32):
            for threads in (1, 2):
                if quick:
                    cases.append(case("inference", arch, 1 if batch == 1 else 2, threads, 1, 1, 1, ENGINES))
                elif batch == 1:
                    cases.append(case("inference", arch, 1, threads, 2, 3 if big else 5, 1 if big else 2, ENGINES))
                else:
                    cases.append(case("inference", arch, batch, threads, 1, 3, 1, ENGINES))
    if quick:
        cases.append(case("training", "se_resnet20", 8, 2, 1, 1, 1, TRAIN_ENGINES))
        cases.append(case("training", "se_resnet50", 2, 2, 1, 1, 1, TRAIN_ENGINES))
    else:
        for threads in (1, 2):
            cases.append(case("training", "se_resnet20", 128, threads, 2, 4, 1, TRAIN_ENGINES))
        for threads in (1, 2):
            cases.append(case("training", "se_resnet50", 16, threads, 1, 2, 1, TRAIN_ENGINES))
    # Both waiting policies side by side on one case, to show what spinning costs or gains here.
    both = [e + ":" + p for p in ("passive", "active") for e in ENGINES]
    cases.append(case("policy", "se_resnet50", 1, 2, 1, 1 if quick else 5, 1 if quick else 2, both))
    # senet alone with --profile: where its time goes in the cases the targets are about.
    for arch, batch, threads, train in PROFILED:
        c = case("profile", arch, 2 if quick and batch > 1 else batch, threads, 1, 1 if quick or train else 5,
                 1, ["senet"])
        c["train"] = train
        cases.append(c)
    if only:
        cases = [c for c in cases if c["arch"] in only]
    return cases


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_busy_s():
    """CPU seconds that all cores have spent busy (everything but idle and iowait, steal included)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - fields[3] - fields[4]) / hz


def wait_for_quiet(max_wait_s, threshold=0.25):
    """Waits, up to max_wait_s, until other processes use less than threshold of the cores over a
    one-second window (nothing of ours runs meanwhile). Returns the seconds waited and the last share."""
    t0 = time.time()
    while True:
        b0 = cpu_busy_s()
        time.sleep(1.0)
        share = (cpu_busy_s() - b0) / os.cpu_count()
        if share < threshold or time.time() - t0 >= max_wait_s:
            return time.time() - t0, share


def children_cpu_s():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def engine_command(engine, c, model_path, policy):
    a, n, t, r, w = c["arch"], c["batch"], c["threads"], c["runs"], c["warmup"]
    if engine == "senet":
        cmd = [SENET, "bench", "--arch", a, "--batch", str(n), "--threads", str(t), "--runs", str(r),
               "--warmup", str(w), "--json"]
        if c["kind"] == "profile":
            cmd.append("--profile")
        return cmd + (["--train"] if c["kind"] == "training" or c.get("train") else []), None
    if engine in ("pytorch", "pytorch_cl"):
        cmd = [PYTHON, TORCH_BENCH, "--arch", a, "--batch", str(n), "--threads", str(t), "--runs", str(r),
               "--warmup", str(w)]
        if c["kind"] == "training":
            cmd.append("--train")
            if engine == "pytorch_cl":
                cmd.append("--channels-last")
        return cmd, None
    spin = "1" if policy == "active" else "0"
    return ["node", "ort_bench.js", "--model", model_path, "--arch", a, "--batch", str(n), "--threads", str(t),
            "--runs", str(r), "--warmup", str(w), "--spin", spin], ORT_DIR


def run_engine(key, c, model_path, default_policy):
    """Runs one engine ("senet", or "senet:active" for a waiting policy other than the default) in its
    own process. Also measures the share of the cores that other processes used meanwhile: the busy
    CPU time of the machine less this process's children's, over the cores times the wall time."""
    engine, _, policy = key.partition(":")
    policy = policy or default_policy
    cmd, cwd = engine_command(engine, c, model_path, policy)
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = policy.upper()
    if policy == "passive":  # both libgomp engines spin as briefly as the senet tool does before sleeping
        env.setdefault("GOMP_SPINCOUNT", PASSIVE_SPINCOUNT)
    t0, busy0, own0 = time.time(), cpu_busy_s(), children_cpu_s()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %d s" % PROCESS_TIMEOUT_S, "command": cmd}
    wall = time.time() - t0
    others = (cpu_busy_s() - busy0 - (children_cpu_s() - own0)) / (os.cpu_count() * wall)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1], "command": cmd}
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no JSON in output: %r" % p.stdout[-200:], "command": cmd}
    out["process_wall_s"] = wall
    out["others_busy"] = min(max(others, 0.0), 1.0)
    out["command"] = cmd
    return out


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def pool(rounds):
    """One result from the rounds of an engine: median and min of all timed runs, max RSS."""
    ok = [r for r in rounds if "error" not in r]
    if len(ok) < len(rounds):
        return {"error": next(r["error"] for r in rounds if "error" in r)}
    times = [t for r in ok for t in r["ms_runs"]]
    out = {"ms_median": median(times), "ms_min": min(times), "ms_runs": times, "runs": len(times),
           "peak_rss_mb": max(r["peak_rss_mb"] for r in ok), "rounds": ok,
           "others_busy": sum(r["others_busy"] for r in ok) / len(ok)}
    out["img_per_s"] = ok[0]["batch"] / (out["ms_median"] * 1e-3)
    return out


def arch_info(arch):
    return json.loads(subprocess.run([SENET, "info", "--arch", arch, "--json"], capture_output=True, text=True,
                                     check=True).stdout)


def memory_bound_mb(info, batch):
    """The issue's inference target: weights + the two largest activations + 64 MB. The largest
    activations are taken among the stage outputs and, for the ImageNet stems, the convolution output
    before the max pool (twice the stem's output side)."""
    st = info["stages"]
    sizes = [s["output"][0] * s["output"][1] * s["output"][2] for s in st]
    if info["input_size"][0] >= 64:
        c, h, w = st[0]["output"]
        sizes.append(c * 2 * h * 2 * w)
    sizes.sort(reverse=True)
    return (info["params"] * 4 + 2 * sizes[0] * batch * 4) / 2**20 + 64


def export_models(archs, log):
    os.makedirs(WORK, exist_ok=True)
    paths = {}
    for arch in archs:
        path = os.path.join(WORK, arch + ".onnx")
        if not os.path.exists(path):
            log("exporting %s to ONNX" % arch)
            subprocess.run([PYTHON, TORCH_BENCH, "--arch", arch, "--export-onnx", path], check=True,
                           capture_output=True)
        paths[arch] = path
    return paths


def measured_peak_per_core():
    """One core's fp32 FMA peak in GFLOP/s, as 'senet bench' measures it."""
    out = subprocess.run([SENET, "bench", "--arch", "resnet20", "--runs", "1", "--warmup", "0", "--threads", "1",
                          "--json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_gflops"]


def machine_info():
    model = sh("lscpu | sed -n 's/^Model name: *//p'")
    flags = sh("grep -m1 '^flags' /proc/cpuinfo")
    isa = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE")
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    virt = sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'")
    return {
        "cpu": model, "cores": os.cpu_count(), "isa": isa, "memory": mem,
        "hypervisor": virt, "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "l2": sh("lscpu | sed -n 's/^L2 cache: *//p'"), "l3": sh("lscpu | sed -n 's/^L3 cache: *//p'"),
        "fma_peak_per_core": measured_peak_per_core(),
    }


def versions():
    dirty = sh("git -C %s status --short -- src include cli" % shlex.quote(ROOT))
    return {
        "senet": sh("git -C %s rev-parse --short HEAD" % shlex.quote(ROOT)),
        "senet_dirty": [line for line in dirty.splitlines() if line],
        "pytorch": sh("%s -c 'import torch; print(torch.__version__)'" % PYTHON),
        "pytorch_deb": sh("dpkg-query -W -f '${Version}' python3-torch"),
        "onnxruntime": sh("node -p \"require('%s/node_modules/onnxruntime-node/package.json').version\"" % ORT_DIR),
        "node": sh("node --version"), "gcc": sh("gcc --version | head -1"),
    }


# ---------------------------------------------------------------- report

def fmt_ms(r):
    return "fail" if r is None or "error" in r else "%.1f" % r["ms_median"]


def fmt_ratio(x):
    return "" if x is None else "%.2f" % x


def speed_ratio(senet, peer):
    """senet's speed over the peer's (peer time / senet time): > 1 means senet is faster."""
    if not senet or not peer or "error" in senet or "error" in peer:
        return None
    return peer["ms_median"] / senet["ms_median"]


def pct_peak(r, macs, batch, threads, peak_per_core, train=False):
    if not r or "error" in r:
        return ""
    gflops = 2.0 * macs * batch * (3 if train else 1) / (r["ms_median"] * 1e-3) / 1e9
    return "%.0f%%" % (100 * gflops / (peak_per_core * min(threads, os.cpu_count())))


def write_report(path, meta, results, infos):
    L = []
    add = L.append
    m, v = meta["machine"], meta["versions"]
    peak = m.get("fma_peak_per_core", ASSUMED_PEAK_PER_CORE)
    inf = [r for r in results if r["kind"] == "inference"]
    trn = [r for r in results if r["kind"] == "training"]
    pol = [r for r in results if r["kind"] == "policy"]

    def find(kind, arch, batch, threads):
        for r in results:
            if (r["kind"], r["arch"], r["batch"], r["threads"]) == (kind, arch, batch, threads):
                return r
        return None

    add("# Benchmarks")
    add("")
    add("senet against PyTorch %s (Debian's python3-torch %s) and ONNX Runtime %s (npm onnxruntime-node) on"
        % (v["pytorch"], v.get("pytorch_deb", "?"), v["onnxruntime"]))
    add("the CPU, fp32, written by `bench/run.sh` on %s." % meta["date"])
    add("Times are per batch, the median of the timed runs (min in `build/bench/results.json`); ratios are")
    add("senet's speed over the peer's (peer time / senet time: above 1, senet is faster); % of peak is")
    add("2 x multiply-adds x batch / time over the fp32 FMA peak, %.0f GFLOP/s per thread used (one core's,"
        % peak)
    add("measured by `senet bench` with a register-only FMA loop at the start of this run), x3 multiply-adds for")
    add("a training step.")
    add("")
    add("**The machine is shared with other engineers' jobs and the numbers are noisy.** Load average at the")
    add("start: %s (1, 5, 15 min). The `busy` columns give the share of the two cores that other processes"
        % meta["load_start"])
    add("used while each engine ran (the machine's busy CPU time less the benchmark's own, over the engine's")
    add("process lifetime, so including its start-up): with 2 threads, 50% busy means one of our threads")
    add("waits for a core. Before each case the benchmark waits (up to %.0f s, %.0f s in all) until others use" % (
        meta["max_wait"], meta["max_total_wait"]))
    add("less than a quarter of the cores. Compare within a row, not across runs. The engines of a case run")
    add("back to back in a rotated order.")
    add("")
    add("## Machine")
    add("")
    add("- CPU: %s, %d cores (%s, %s L2, %s L3), %s, %s guest" % (m["cpu"], m["cores"], m["isa"], m["l2"], m["l3"],
                                                               m["memory"], m["hypervisor"] or "no"))
    add("- %s, Linux %s, %s, node %s" % (m["os"], m["kernel"], v["gcc"], v["node"]))
    dirty = v["senet_dirty"]
    add("- senet at commit %s%s, built Release (`-O3`) by CMake" % (
        v["senet"], " plus uncommitted changes in %s (the tree is shared; those edits were built too)"
        % ", ".join(sorted({line.split()[-1] for line in dirty})) if dirty else ""))
    add("- Threads waiting policy for every engine: **%s** (`OMP_WAIT_POLICY=%s`%s for senet and PyTorch, "
        "`session.intra_op.allow_spinning=%s` for ONNX Runtime); see [Waiting policy](#waiting-policy)."
        % (meta["policy"], meta["policy"].upper(),
           " and `GOMP_SPINCOUNT=%s`" % PASSIVE_SPINCOUNT if meta["policy"] == "passive" else "",
           "1" if meta["policy"] == "active" else "0"))
    add("- Total run time: %.1f min, of which %.1f min waiting, before cases, for other jobs to leave the cores"
        % (meta["elapsed_s"] / 60, meta["waited_s"] / 60))
    add("")
    add("## Inference (eval mode, 224x224, ms per batch)")
    add("")
    add("| arch | batch | threads | senet | PyTorch | ONNX RT | senet ÷ PyTorch | senet ÷ ORT "
        "| % peak senet / PT / ORT | busy senet / PT / ORT |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for r in inf:
        e, macs = r["engines"], infos[r["arch"]]["macs"]
        peaks = " / ".join(pct_peak(e.get(k), macs, r["batch"], r["threads"], peak) or "-" for k in ENGINES)
        add("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["arch"], r["batch"], r["threads"], fmt_ms(e.get("senet")), fmt_ms(e.get("pytorch")),
            fmt_ms(e.get("onnxruntime")), fmt_ratio(speed_ratio(e.get("senet"), e.get("pytorch"))),
            fmt_ratio(speed_ratio(e.get("senet"), e.get("onnxruntime"))), peaks,
            " / ".join(busy(e.get(k)) for k in ENGINES)))
    add("")
    add("Throughput (img/s):")
    add("")
    add("| arch | batch | threads | senet | PyTorch | ONNX RT |")
    add("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in inf:
        e = r["engines"]
        add("| %s | %d | %d | %s |" % (r["arch"], r["batch"], r["threads"], " | ".join(
            "fail" if "error" in e[k] else "%.2f" % e[k]["img_per_s"] for k in ENGINES)))
    add("")
    add("## SE overhead: time(se_resnet50) / time(resnet50)")
    add("")
    add("SE-ResNet-50 has 0.07% more multiply-adds than ResNet-50 (3.860 G against 3.858 G).")
    add("")
    add("| batch | threads | senet | PyTorch | ONNX RT |")
    add("| ---: | ---: | ---: | ---: | ---: |")
    for r in inf:
        if r["arch"] != "se_resnet50":
            continue
        base = find("inference", "resnet50", r["batch"], r["threads"])
        if not base:
            continue
        cells = []
        for k in ENGINES:
            a, b = r["engines"].get(k), base["engines"].get(k)
            cells.append("fail" if not a or not b or "error" in a or "error" in b
                         else "%.3f" % (a["ms_median"] / b["ms_median"]))
        add("| %d | %d | %s |" % (r["batch"], r["threads"], " | ".join(cells)))
    add("")
    add("## Training (forward, backward, SGD step; img/s)")
    add("")
    add("Random labels, cross-entropy, SGD with momentum 0.9 and weight decay 1e-4 in both engines; PyTorch in")
    add("eager mode, timed in NCHW and in channels_last, the faster of the two counted.")
    add("")
    add("| arch | input | batch | threads | senet | PyTorch (best) | senet ÷ PyTorch | % peak senet / PT | busy senet / PT |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for r in trn:
        e, macs = r["engines"], infos[r["arch"]]["macs"]
        best = best_torch(e)
        size = infos[r["arch"]]["input_size"][0]
        add("| %s | %dx%d | %d | %d | %s | %s | %s | %s / %s | %s / %s |" % (
            r["arch"], size, size, r["batch"], r["threads"],
            "fail" if "error" in e["senet"] else "%.1f" % e["senet"]["img_per_s"],
            "fail" if best is None else "%.1f (%s)" % (e[best]["img_per_s"], "NCHW" if best == "pytorch" else "channels_last"),
            fmt_ratio(speed_ratio(e["senet"], e[best] if best else None)),
            pct_peak(e["senet"], macs, r["batch"], r["threads"], peak, True) or "-",
            pct_peak(e[best], macs, r["batch"], r["threads"], peak, True) if best else "-", busy(e["senet"]),
            busy(e[best]) if best else "-"))
    add("")
    add("## Peak memory (RSS of the process, MB)")
    add("")
    add("`getrusage` ru_maxrss of each engine's process: the runtime itself (Python with PyTorch, node with")
    add("ONNX Runtime) is included, and so is whatever model preparation peaked at (PyTorch's tracing and")
    add("freezing hold two copies of the weights for a while). The bound is the issue's inference target")
    add("for senet: weights + two of the largest activation + 64 MB.")
    add("")
    add("| case | batch | threads | senet | bound | PyTorch | ONNX RT / PyTorch channels_last |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in inf + trn:
        e = r["engines"]
        third = "onnxruntime" if r["kind"] == "inference" else "pytorch_cl"
        bound = "%.0f" % memory_bound_mb(infos[r["arch"]], r["batch"]) if r["kind"] == "inference" else "-"
        add("| %s %s | %d | %d | %s | %s | %s | %s |" % (
            r["arch"], "train" if r["kind"] == "training" else "inference", r["batch"], r["threads"],
            rss(e.get("senet")), bound, rss(e.get("pytorch")), rss(e.get(third))))
    add("")
    add("## Targets of issue 5")
    add("")
    add("| target | measured |")
    add("| --- | --- |")
    for b in (1, 32):
        r = find("inference", "se_resnet50", b, 2)
        if r:
            x = speed_ratio(r["engines"]["senet"], r["engines"]["onnxruntime"])
            add("| se_resnet50 batch %d, 2 threads: faster than ONNX Runtime (aim 1.5x) | %sx |" % (b, fmt_ratio(x)))
    for b in (1, 32):
        r, base = find("inference", "se_resnet50", b, 2), find("inference", "resnet50", b, 2)
        if r and base and "error" not in r["engines"]["senet"] and "error" not in base["engines"]["senet"]:
            add("| SE overhead se_resnet50 / resnet50 <= 1.03, batch %d (2 threads) | %.3f |" % (
                b, r["engines"]["senet"]["ms_median"] / base["engines"]["senet"]["ms_median"]))
    for arch in ("se_resnext50_32x4d", "senet154"):
        for r in inf:
            if r["arch"] == arch and r["threads"] == 2:
                x = speed_ratio(r["engines"]["senet"], r["engines"]["pytorch"])
                add("| %s batch %d, 2 threads: >= 1.5x PyTorch | %sx |" % (arch, r["batch"], fmt_ratio(x)))
    for arch, want in (("se_resnet20", "2x"), ("se_resnet50", "1.5x")):
        r = find("training", arch, 128 if arch == "se_resnet20" else 16, 2)
        if r:
            best = best_torch(r["engines"])
            x = speed_ratio(r["engines"]["senet"], r["engines"][best] if best else None)
            add("| training %s batch %d, 2 threads: >= %s PyTorch | %sx |" % (arch, r["batch"], want, fmt_ratio(x)))
    for r in inf:
        if r["threads"] == 2 and "error" not in r["engines"]["senet"]:
            add("| inference RSS <= bound: %s batch %d | %s MB against %.0f MB |" % (
                r["arch"], r["batch"], rss(r["engines"]["senet"]), memory_bound_mb(infos[r["arch"]], r["batch"])))
    for r in trn:
        if r["threads"] == 2:
            best = best_torch(r["engines"])
            add("| training RSS below PyTorch's: %s batch %d | %s MB against %s MB |" % (
                r["arch"], r["batch"], rss(r["engines"]["senet"]), rss(r["engines"][best]) if best else "-"))
    add("")
    prof = [r for r in results if r["kind"] == "profile" and "error" not in r["engines"]["senet"]]
    if prof:
        write_profiles(add, prof, peak)
    add("## Waiting policy")
    add("")
    add("One case with both policies, the six runs back to back in a rotated order (ms per batch; `busy`:")
    add("the others' share of the cores during each engine's run):")
    add("")
    add("| case | policy | senet | PyTorch | ONNX RT | busy senet / PT / ORT |")
    add("| --- | --- | ---: | ---: | ---: | --- |")
    for r in pol:
        for policy in ("passive", "active"):
            e = {k: r["engines"].get(k + ":" + policy) for k in ENGINES}
            add("| %s batch %d, %d threads | %s | %s | %s | %s | %s |" % (
                r["arch"], r["batch"], r["threads"], policy, fmt_ms(e["senet"]), fmt_ms(e["pytorch"]),
                fmt_ms(e["onnxruntime"]), " / ".join(busy(e[k]) for k in ENGINES)))
    add("")
    add("Threads that spin while they wait only pay when every thread has a core of its own; when another")
    add("process holds one of the cores, the spinning thread takes turns with it and every barrier waits for")
    add("a time slice. The `senet` tool chooses passive waiting itself unless `OMP_WAIT_POLICY` is set,")
    add("after a short spin (`GOMP_SPINCOUNT=%s`, some 0.3 ms) that saves most wake-ups between layers;" % PASSIVE_SPINCOUNT)
    add("the passive rows give PyTorch the same. What each choice costs when another process keeps one of")
    add("the cores busy is measured in the notes at the end.")
    add("")
    add("## How it was run")
    add("")
    add("```sh")
    add("bash bench/run.sh%s" % (" " + " ".join(meta["args"]) if meta["args"] else ""))
    add("```")
    add("")
    add("installs `python3-torch` and `python3-numpy` (apt) and `onnxruntime-node` (npm, into `bench/ort/`) when")
    add("missing, builds `build/senet` (and measures a copy of it, `build/bench/senet`), exports each")
    add("architecture from the PyTorch reference models (`tests/ref/models.py`) to ONNX (opset 13,")
    add("`build/bench/*.onnx`) and runs, per case and engine:")
    add("")
    add("```sh")
    add("build/bench/senet bench --arch A --batch N --threads T --runs R --warmup W --json [--train]")
    add("/usr/bin/python3 bench/torch_bench.py --arch A --batch N --threads T --runs R --warmup W [--train [--channels-last]]")
    add("(cd bench/ort && node ort_bench.js --model ../../build/bench/A.onnx --arch A --batch N --threads T --runs R --warmup W --spin 0)")
    add("```")
    add("")
    add("Every engine has random weights of the same architecture (senet's own initialisation; PyTorch's and")
    add("the exported model's from the reference code) and a random batch: timing does not depend on the values.")
    add("PyTorch inference is channels_last, `torch.jit.trace` + `torch.jit.freeze` + `torch.jit.optimize_for_inference`,")
    add("with at least two warm-up calls for the profiling executor; ONNX Runtime uses all graph optimisations,")
    add("T intra-op threads and one inter-op thread.")
    add("")
    add("Run counts (timed runs per engine, pooled over rounds; warm-up runs in each round):")
    add("")
    add("| cases | rounds x timed runs | warm-up per round |")
    add("| --- | --- | --- |")
    seen = set()
    for r in results:
        key = (r["kind"], r["arch"], r["batch"])
        if key in seen:
            continue
        seen.add(key)
        add("| %s %s batch %d | %d x %d | %d |" % (r["kind"], r["arch"], r["batch"], r["rounds"], r["runs"], r["warmup"]))
    add("")
    add("SENet-154 runs at batch 8 instead of 32, and batch 32 of the other nets has 3 timed runs, to keep the")
    add("whole benchmark under about 25 minutes on 2 cores. Raw results, every run and every command:")
    add("`build/bench/results.json`; `python3 bench/run.py --report-only` rewrites this file from them.")
    errors = [(r, k, e["error"]) for r in results for k, e in r["engines"].items() if "error" in e]
    if errors:
        add("")
        add("## Failures")
        add("")
        for r, k, msg in errors:
            add("- %s %s batch %d, %d threads, %s: %s" % (r["kind"], r["arch"], r["batch"], r["threads"], k, msg))
    add("")
    add(NOTES_MARKER)
    notes = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1].lstrip("\n")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n" + notes)


def op_totals(run):
    """senet's profile rows summed by op: {op: [layers, forward ms, backward ms, flops]} per pass."""
    totals = {}
    train = run["train"]
    for row in run["profile"]:
        t = totals.setdefault(row["op"], [0, 0.0, 0.0, 0.0])
        t[0] += 1
        t[1] += row["forward_ms"]
        t[2] += row["backward_ms"]
        t[3] += 2.0 * row["macs_per_image"] * run["batch"] * (3 if train else 1)
    return totals


def write_profiles(add, prof, peak):
    add("## Where senet's time goes")
    add("")
    add("`senet bench --profile` in the same run: each layer's wall time in the timed passes (ms per pass,")
    add("their mean), summed by what ran. A convolution row includes the BN and ReLU folded into it; GFLOP/s")
    add("count a direct convolution's multiply-adds (Winograd does 2.25x fewer, so its rows can pass 100% of")
    add("peak); `outside` is the rest of a pass (input layout, loss, SGD step). Ops under 1% are summed in")
    add("`other`.")
    add("")
    for r in prof:
        run = r["engines"]["senet"]["rounds"][0]
        mean = sum(run["ms_runs"]) / len(run["ms_runs"])
        cores = min(r["threads"], os.cpu_count())
        add("**%s %s, batch %d, %d thread%s**: %.1f ms per pass (mean of %d)" % (
            r["arch"], "training" if r.get("train") else "inference", r["batch"], r["threads"],
            "" if r["threads"] == 1 else "s", mean, len(run["ms_runs"])))
        add("")
        add("| op | layers | ms | share | GFLOP/s | % peak |")
        add("| --- | ---: | ---: | ---: | ---: | ---: |")
        totals = sorted(op_totals(run).items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
        other = [0, 0.0]
        for op, (layers, fwd, bwd, flops) in totals:
            ms = fwd + bwd
            if ms < 0.01 * mean:
                other[0] += layers
                other[1] += ms
                continue
            gflops = flops / (ms * 1e-3) / 1e9 if ms > 0 else 0
            rate = "%.1f | %.0f%%" % (gflops, 100 * gflops / (peak * cores)) if flops > 0 and ms > 0 else "- | -"
            add("| %s | %d | %.1f | %.0f%% | %s |" % (op, layers, ms, 100 * ms / mean, rate))
        if other[0]:
            add("| other | %d | %.1f | %.0f%% | - | - |" % (other[0], other[1], 100 * other[1] / mean))
        inside = sum(t[1] + t[2] for _, t in totals)
        add("| outside | | %.1f | %.0f%% | - | - |" % (mean - inside, 100 * (mean - inside) / mean))
        add("")
    one = next((r for r in prof if (r["arch"], r["batch"], r["threads"]) == ("se_resnet50", 1, 1)), None)
    two = next((r for r in prof if (r["arch"], r["batch"], r["threads"]) == ("se_resnet50", 1, 2)), None)
    if one and two:
        t1, t2 = op_totals(one["engines"]["senet"]["rounds"][0]), op_totals(two["engines"]["senet"]["rounds"][0])
        add("**se_resnet50 batch 1, from 1 to 2 threads**, by op (speed-up 2.00 would be perfect):")
        add("")
        add("| op | 1 thread ms | 2 threads ms | speed-up |")
        add("| --- | ---: | ---: | ---: |")
        for op in sorted(t1, key=lambda k: -t1[k][1]):
            if op in t2 and t1[op][1] >= 0.5:
                add("| %s | %.1f | %.1f | %.2f |" % (op, t1[op][1], t2[op][1], t1[op][1] / max(t2[op][1], 1e-9)))
        add("")


def best_torch(engines):
    ok = [k for k in ("pytorch", "pytorch_cl") if k in engines and "error" not in engines[k]]
    return min(ok, key=lambda k: engines[k]["ms_median"]) if ok else None


def busy(r):
    return "-" if not r or "error" in r else "%.0f%%" % (100 * r["others_busy"])


def rss(r):
    return "fail" if not r or "error" in r else "%.0f" % r["peak_rss_mb"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny batches and one run: checks the pipeline only")
    p.add_argument("--only", help="comma-separated architectures")
    p.add_argument("--output", help="report path (docs/BENCHMARKS.md; build/bench/BENCHMARKS.quick.md with --quick)")
    p.add_argument("--wait-policy", choices=["passive", "active"], default="passive")
    p.add_argument("--max-wait", type=float, default=15, metavar="S",
                   help="before each case, wait up to S seconds for other processes to leave the cores (15)")
    p.add_argument("--max-total-wait", type=float, default=60, metavar="S",
                   help="stop waiting once S seconds have been spent waiting in all (60)")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite the report from build/bench/results.json without running anything")
    a = p.parse_args()
    out = a.output or os.path.join(ROOT, "build/bench/BENCHMARKS.quick.md" if a.quick else "docs/BENCHMARKS.md")
    if a.report_only:
        with open(os.path.join(WORK, "results.quick.json" if a.quick else "results.json")) as f:
            saved = json.load(f)
        write_report(out, saved["meta"], saved["results"], saved["archs"])
        return
    only = set(a.only.split(",")) if a.only else None
    started = time.time()
    os.makedirs(WORK, exist_ok=True)
    shutil.copy2(BUILT_SENET, SENET)

    def log(msg):
        print("[%6.0f s] %s" % (time.time() - started, msg), file=sys.stderr, flush=True)

    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_start": loadavg(), "machine": machine_info(), "versions": versions(), "policy": a.wait_policy,
            "args": sys.argv[1:], "max_wait": a.max_wait, "max_total_wait": a.max_total_wait}
    log("load average %s" % meta["load_start"])
    cases = plan(a.quick, only)
    archs = sorted({c["arch"] for c in cases})
    infos = {arch: arch_info(arch) for arch in archs}
    models = export_models(sorted({c["arch"] for c in cases if any(e.startswith("onnxruntime") for e in c["engines"])}), log)

    results = []
    total_waited = 0.0
    for i, c in enumerate(cases):
        waited, share = wait_for_quiet(min(a.max_wait, max(a.max_total_wait - total_waited, 0)))
        total_waited += waited
        c = dict(c, load=loadavg(), waited_s=waited, busy_before=share)
        log("%s %s batch %d, %d threads (load %s; others %.0f%% busy after waiting %.0f s)" % (
            c["kind"], c["arch"], c["batch"], c["threads"], c["load"], 100 * share, waited))
        rounds = {k: [] for k in c["engines"]}
        for rnd in range(c["rounds"]):
            shift = (i + rnd) % len(c["engines"])
            order = c["engines"][shift:] + c["engines"][:shift]
            if rnd % 2:
                order = order[::-1]
            for engine in order:
                res = run_engine(engine, c, models.get(c["arch"]), a.wait_policy)
                rounds[engine].append(res)
                log("  %-20s %s" % (engine, res["error"] if "error" in res else
                                    "%.1f ms (min %.1f), %.0f MB, others %.0f%% busy"
                                    % (res["ms_median"], res["ms_min"], res["peak_rss_mb"], 100 * res["others_busy"])))
        c["engines"] = {k: pool(v) for k, v in rounds.items()}
        done = [e for e in c["engines"].values() if "error" not in e]
        c["busy"] = sum(e["others_busy"] for e in done) / len(done) if done else 0.0
        results.append(c)

    meta["elapsed_s"] = time.time() - started
    meta["waited_s"] = total_waited
    raw = os.path.join(WORK, "results.quick.json" if a.quick else "results.json")
    with open(raw, "w") as f:
        json.dump({"meta": meta, "archs": infos, "results": results}, f, indent=1)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    write_report(out, meta, results, infos)
    log("wrote %s and %s" % (os.path.relpath(out, ROOT), os.path.relpath(raw, ROOT)))


if __name__ == "__main__":
    main()
