#!/usr/bin/env bash
# Resume that loses nothing (issue 20): a checkpoint records the run's
# options and a resume that differs is refused with the differences listed
# (--extend for more epochs, --allow-changes to go on anyway); a checkpoint
# from before the record existed (made here by removing the new metadata,
# which is all that distinguishes the two formats) still resumes, with a
# note, to weights bit-identical to an uninterrupted run; a new run into
# another run's --out is refused unless --overwrite; the log's first line
# holds the options. Usage: resume_test.sh path/to/senet CIFAR_ARCHIVE
set -u
senet=$1 archive=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
tar xzf "$archive" -C "$tmp" --wildcards 'train/*/000[0-9].jpg' 'test/*/000[0-1].jpg' || { echo "cannot extract"; exit 1; }
common=(--arch se_resnet20 --data "$tmp" --batch 25 --lr 0.02 --seed 5 --threads 1 --epochs 2 --log-every 1)

# tensors only: the metadata names the command, which differs between the runs
same_tensors() { /usr/bin/python3 -c '
import struct, sys
def body(p):
    b = open(p, "rb").read(); n = struct.unpack("<Q", b[:8])[0]
    import json; h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    return h, b[8 + n:]
sys.exit(0 if body(sys.argv[1]) == body(sys.argv[2]) else 1)' "$1" "$2"; }
# the checkpoint format before this change: only its own eight keys
make_old() { /usr/bin/python3 -c '
import json, struct, sys
b = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); keep = ("format", "config", "epoch", "step", "batch", "seed", "dropout_rng", "note")
h["__metadata__"] = {k: v for k, v in h["__metadata__"].items() if k in keep}
t = json.dumps(h).encode(); t += b" " * (-len(t) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])' "$1"; }

"$senet" train "${common[@]}" --out "$tmp/straight" >/dev/null 2>&1 && ok || bad "the uninterrupted run"
head -1 "$tmp/straight/log.jsonl" | grep -q '"type": "options".*"batch": "25".*"lr": "0.02"' && ok || bad "the log's first line holds the options"

"$senet" train "${common[@]}" --max-steps 3 --out "$tmp/old" >/dev/null 2>&1 && ok || bad "the first part"
make_old "$tmp/old/checkpoint.safetensors"
out=$("$senet" train "${common[@]}" --out "$tmp/old" --resume "$tmp/old/checkpoint.safetensors" 2>&1) && ok || bad "resume of an old-format checkpoint: $out"
printf '%s\n' "$out" | grep -q "written before checkpoints recorded their run's options" && ok || bad "the note about the old format"
same_tensors "$tmp/straight/final.safetensors" "$tmp/old/final.safetensors" && ok || bad "old-format resume is not bit-identical"
same_tensors "$tmp/straight/best.safetensors" "$tmp/old/best.safetensors" && ok || bad "old-format resume: best differs"

"$senet" train "${common[@]}" --max-steps 3 --out "$tmp/new" >/dev/null 2>&1 && ok || bad "the first part (new format)"
ck=$tmp/new/checkpoint.safetensors
out=$("$senet" train "${common[@]}" --batch 20 --lr 0.1 --out "$tmp/new" --resume "$ck" 2>&1); s=$?
[ $s -eq 2 ] && printf '%s\n' "$out" | grep -q -- "--batch: 25 in the checkpoint, 20 now" &&
  printf '%s\n' "$out" | grep -q -- "--lr: 0.02 in the checkpoint, 0.1 now" && printf '%s\n' "$out" | grep -q "2 options above differ" &&
  ok || bad "a resume with other options: status $s: $out"
out=$("$senet" train "${common[@]}" --epochs 3 --out "$tmp/new" --resume "$ck" 2>&1); s=$?
[ $s -eq 2 ] && printf '%s\n' "$out" | grep -q -- "--epochs: 2 in the checkpoint, 3 now" && ok || bad "more epochs without --extend: $s"
cp "$ck" "$tmp/ck_copy.safetensors"
out=$("$senet" train "${common[@]}" --epochs 3 --extend --max-steps 4 --out "$tmp/new" --resume "$ck" 2>&1); s=$?
[ $s -eq 0 ] && printf '%s\n' "$out" | grep -q -- "--extend: 2 -> 3 epochs" && ok || bad "--extend: $s: $out"
out=$("$senet" train "${common[@]}" --lr 0.01 --allow-changes --max-steps 4 --out "$tmp/new" --resume "$tmp/ck_copy.safetensors" 2>&1); s=$?
[ $s -eq 0 ] && ok || bad "--allow-changes: $s: $out"
out=$("$senet" train "${common[@]}" --out "$tmp/new" --resume "$tmp/ck_copy.safetensors" 2>&1) && ok || bad "the same options resume: $out"
same_tensors "$tmp/straight/final.safetensors" "$tmp/new/final.safetensors" && ok || bad "new-format resume is not bit-identical"
tail -n +2 "$tmp/new/log.jsonl" | grep -q '"type": "resume"' && ok || bad "a resume line in the log"

out=$("$senet" train "${common[@]}" --out "$tmp/straight" 2>&1); s=$?
[ $s -eq 2 ] && printf '%s\n' "$out" | grep -q "holds another run" && ok || bad "a new run into another's --out: $s"
lines=$(wc -l < "$tmp/straight/log.jsonl")
[ "$lines" -gt 2 ] && ok || bad "the refused run cut the log"
out=$("$senet" train "${common[@]}" --max-steps 1 --overwrite --out "$tmp/straight" 2>&1) && [ ! -f "$tmp/straight/final.safetensors" ] &&
  ok || bad "--overwrite: $out"
out=$("$senet" train "${common[@]}" --extend --out "$tmp/x" 2>&1); s=$?
[ $s -eq 2 ] && ok || bad "--extend without --resume: $s"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
