#!/usr/bin/env bash
# senet train and eval under mpirun on a real CIFAR-10 subset, against the
# single process:
#   2 ranks with --sync-bn take the steps one process takes: after 3 steps
#   the weights and BN statistics are within 1e-4 absolute (measured 6e-6, and
#   1e-5 after a change of GEMM blocking; per-rank BN gives 3.6e-2, checked to
#   differ by more than 1e-3 so the comparison can tell), the logged losses
#   within 1e-5, the BN step counters equal, and rank 0 alone logs. (The
#   momentum buffer is checked through the weights it moves: as a raw sum of
#   gradients it differs by up to 3e-3 of its scale, because rounding moves a
#   few ReLU inputs across 0; in one process, permuting the batch moves the
#   weights as much as 2 ranks do, ~2.5e-6 after 3 steps.)
#   a checkpoint written by 2 ranks resumes on 1 and one written by 1 resumes
#   on 2: the steps after it log the losses of the uninterrupted single
#   process (within 1e-4; a wrong position would give another batch's loss),
#   the BN step counters are equal and the final state is within 1e-3;
#   stopped and resumed on the same number of ranks, it ends bit-identical;
#   eval split over 2 ranks reports exactly what one process reports;
#   ranks reading different data stop with a message naming it;
#   a rank killed with SIGKILL stops the whole job within 60 s, no rank left.
# Usage: train_test.sh path/to/senet path/to/mpiexec path/to/cifar10-jpeg.tar.gz
set -u
senet=$(realpath "$1") mpiexec=$2 archive=$3  # absolute: some ranks run in other folders (-wdir)
source "$(dirname "$0")/common.sh"

cifar_subset "$archive"  # 20 training and 5 test images per class, options in common

# 3 steps: one process, then 2 ranks with --sync-bn.
"$senet" train "${common[@]}" --max-steps 3 --out "$tmp/one" >/dev/null 2>&1 && ok "one process trains" || bad "one process"
if "$mpiexec" -n 2 "$senet" train "${common[@]}" --max-steps 3 --sync-bn --out "$tmp/two" >"$tmp/two.txt" 2>&1; then
  ok "2 ranks train"
  $py "$here/compare.py" "$tmp/one/checkpoint.safetensors" "$tmp/two/checkpoint.safetensors" --max-abs 1e-4 \
    --skip optimizer.momentum_buffer &&
    ok "2 ranks --sync-bn: checkpoint = one process's within 1e-4" || bad "2 ranks --sync-bn checkpoint differs"
  $py - "$tmp/one/log.jsonl" "$tmp/two/log.jsonl" <<'PY' && ok "rank 0 alone logs, losses within 1e-5" || bad "logs differ"
import json, sys
one, two = ([json.loads(l) for l in open(p) if '"step"' in l] for p in sys.argv[1:])
one, two = ([d for d in x if d["type"] == "step"] for x in (one, two))
assert len(one) == len(two) == 3, (len(one), len(two))
for a, b in zip(one, two):
    assert a["step"] == b["step"] and abs(a["loss"] - b["loss"]) <= 1e-5, (a, b)
PY
  [ "$(grep -c 'senet train: se_resnet20 on' "$tmp/two.txt")" -eq 1 ] && ok "rank 0 alone prints" || bad "more than one rank printed"
else
  bad "2 ranks failed: $(tail -3 "$tmp/two.txt")"
fi

"$mpiexec" -n 2 "$senet" train "${common[@]}" --max-steps 3 --out "$tmp/local" >/dev/null 2>&1
$py "$here/compare.py" "$tmp/one/checkpoint.safetensors" "$tmp/local/checkpoint.safetensors" --min-abs 1e-3 \
  --skip optimizer.momentum_buffer && ok "2 ranks with per-rank BN differ (the comparison can tell)" ||
  bad "per-rank BN does not differ"

# Resume with another number of ranks: 2 -> 1 and 1 -> 2, to the end of the epoch (5 steps).
"$senet" train "${common[@]}" --epochs 1 --out "$tmp/straight" >/dev/null 2>&1 || bad "uninterrupted run"
"$senet" train "${common[@]}" --epochs 1 --sync-bn --out "$tmp/two" --resume "$tmp/two/checkpoint.safetensors" \
  >/dev/null 2>&1 && ok "2-rank checkpoint resumes on 1 process" || bad "2-rank checkpoint does not resume on 1"
"$mpiexec" -n 2 "$senet" train "${common[@]}" --epochs 1 --sync-bn --out "$tmp/one" \
  --resume "$tmp/one/checkpoint.safetensors" >/dev/null 2>&1 && ok "1-process checkpoint resumes on 2 ranks" ||
  bad "1-process checkpoint does not resume on 2 ranks"
for run in two one; do
  $py "$here/compare.py" "$tmp/straight/final.safetensors" "$tmp/$run/final.safetensors" --max-abs 1e-3 &&
    ok "resumed run ($run) ends within 1e-3 of the uninterrupted one" || bad "resumed run ($run) ends elsewhere"
  $py - "$tmp/straight/log.jsonl" "$tmp/$run/log.jsonl" <<'PY' && ok "resumed run ($run) logs the uninterrupted losses" ||
import json, sys
a, b = ({d["step"]: d["loss"] for d in map(json.loads, open(p)) if d["type"] == "step"} for p in sys.argv[1:])
assert sorted(a) == sorted(b) == [1, 2, 3, 4, 5], (sorted(a), sorted(b))
assert all(abs(a[k] - b[k]) <= 1e-4 for k in a), (a, b)
PY
    bad "resumed run ($run): losses differ"
done

# Stopped and resumed on the same number of ranks: bit-identical to the run never stopped.
"$mpiexec" -n 2 "$senet" train "${common[@]}" --epochs 2 --sync-bn --out "$tmp/s2" >/dev/null 2>&1
"$mpiexec" -n 2 "$senet" train "${common[@]}" --epochs 2 --sync-bn --max-steps 4 --out "$tmp/r2" >/dev/null 2>&1
"$mpiexec" -n 2 "$senet" train "${common[@]}" --epochs 2 --sync-bn --out "$tmp/r2" --resume "$tmp/r2/checkpoint.safetensors" \
  >/dev/null 2>&1
/usr/bin/python3 "$(dirname "$0")/../same_tensors.py" "$tmp/s2/final.safetensors" "$tmp/r2/final.safetensors" &&
  ok "2 ranks stopped and resumed on 2 end bit-identical" || bad "2 ranks resumed on 2 end elsewhere"

# Evaluation split over the ranks and reduced = one process's.
e1=$("$senet" eval --arch se_resnet20 --weights "$tmp/straight/final.safetensors" --data "$data" --batch 16 --json 2>&1)
e2=$("$mpiexec" -n 2 "$senet" eval --arch se_resnet20 --weights "$tmp/straight/final.safetensors" --data "$data" \
  --batch 16 --json 2>&1)
$py - "$e1" "$e2" <<'PY' && ok "eval on 2 ranks = eval on one process" || { bad "eval differs"; echo "$e1"; echo "$e2"; }
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:])
assert a["n"] == b["n"] == 50, (a["n"], b["n"])
for k in ("top1", "top5", "per_class", "confusion"):
    assert a[k] == b[k], k
assert abs(a["loss"] - b["loss"]) <= 1e-9 * max(1, abs(a["loss"])), (a["loss"], b["loss"])
PY

# Different data behind the same relative path.
mkdir -p "$tmp/a/d" "$tmp/b/d"
tar xzf "$archive" -C "$tmp/a/d" --wildcards 'train/*/000[0-4].jpg' 'test/*/000[0-1].jpg'
tar xzf "$archive" -C "$tmp/b/d" --wildcards 'train/*/000[0-5].jpg' 'test/*/000[0-1].jpg'
out=$(timeout 120 "$mpiexec" -n 1 -wdir "$tmp/a" "$senet" train --arch se_resnet20 --data d --batch 10 --out "$tmp/x" : \
  -n 1 -wdir "$tmp/b" "$senet" train --arch se_resnet20 --data d --batch 10 --out "$tmp/x" 2>&1)
status=$?
[ $status -ne 0 ] && [ $status -ne 124 ] && printf '%s\n' "$out" | grep -q 'ranks disagree on the training and test data' &&
  ok "ranks with different data stop with a message" || { bad "different data: status $status"; printf '%s\n' "$out" | head -5; }

# A rank that dies: the launcher must stop the others rather than leave them waiting.
descendants() { local k; for k in $(pgrep -P "$1"); do echo "$k"; descendants "$k"; done; }
"$mpiexec" -n 2 "$senet" train "${common[@]}" --epochs 50 --out "$tmp/die" >"$tmp/die.txt" 2>&1 &
launcher=$!
for _ in $(seq 600); do grep -q '"step": 2,' "$tmp/die/log.jsonl" 2>/dev/null && break; sleep 0.1; done
victim=
for p in $(descendants $launcher); do
  grep -q "$senet" "/proc/$p/cmdline" 2>/dev/null && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- '--out' && victim=$p
done
if [ -n "$victim" ]; then
  ranks=$(for p in $(descendants $launcher); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "^$senet " && echo $p; done)
  kill -KILL "$victim"
  start=$SECONDS
  for _ in $(seq 600); do kill -0 $launcher 2>/dev/null || break; sleep 0.1; done
  if kill -0 $launcher 2>/dev/null; then
    bad "the job still runs 60 s after a rank died"
    kill -- $launcher $ranks 2>/dev/null
  else
    wait $launcher
    status=$?
    for _ in $(seq 100); do  # the launcher may exit while it still reaps the last rank
      left=$(for p in $ranks; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
      [ -z "$left" ] && break
      sleep 0.1
    done
    [ $status -ne 0 ] && [ -z "$left" ] && ok "a killed rank stops the job in $((SECONDS - start)) s (status $status)" ||
      bad "after a killed rank: status $status, ranks left: $left"
  fi
else
  bad "no rank to kill"; kill $launcher 2>/dev/null
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
