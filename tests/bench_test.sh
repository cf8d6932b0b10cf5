#!/usr/bin/env bash
# 'senet bench' end to end: the JSON of an inference and a training run has
# every key, with positive numbers, and bad options exit non-zero.
# Usage: bench_test.sh path/to/senet
set -u
senet=$1
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}

# check_json LABEL JSON TRAIN: every key present, the numbers positive, train as expected
check_json() {
  local label=$1 json=$2 train=$3 key value
  for key in ms_median ms_min img_per_s gflops peak_fraction peak_rss_mb batch threads macs_per_image; do
    value=$(printf '%s\n' "$json" | grep -Eo "\"$key\": [0-9.eE+-]+" | head -1 | sed 's/.*: //')
    if [ -n "$value" ] && awk -v v="$value" 'BEGIN { exit !(v + 0 > 0) }'; then
      pass
    else
      fail "$label: \"$key\" missing or not positive in: $json"
    fi
  done
  for key in '"arch": "se_resnet20"' '"batch": 2' '"input_size": \[32, 32\]' "\"train\": $train" '"ms_runs": \['; do
    if printf '%s\n' "$json" | grep -Eq -- "$key"; then pass; else fail "$label: no $key in: $json"; fi
  done
  if [ "$(printf '%s\n' "$json" | grep -c .)" -eq 1 ] && printf '%s' "$json" | grep -Eq '^\{.*\}$'; then
    pass
  else
    fail "$label: not one JSON object on one line: $json"
  fi
}

# expect_status WANT PATTERN -- command...: exit status and a regex on stderr
expect_status() {
  local want=$1 pattern=$2 out status
  shift 3
  out=$("$@" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
    pass
  else
    fail "$* -> status $status (want $want), stderr: $(printf '%s' "$out" | head -3)"
  fi
}

for mode in inference train; do
  extra=() train=false
  [ $mode = train ] && extra=(--train) train=true
  json=$("$senet" bench --arch se_resnet20 --batch 2 --runs 2 --warmup 1 --json "${extra[@]}")
  status=$?
  if [ $status -eq 0 ]; then pass; else fail "bench $mode exited $status"; fi
  check_json "$mode" "$json" "$train"
done

text=$("$senet" bench --arch se_resnet20 --runs 1 --warmup 0 --threads 1)
if printf '%s\n' "$text" | grep -Eq 'median [0-9.]+ ms, min [0-9.]+ ms' &&
   printf '%s\n' "$text" | grep -Eq 'of peak \([0-9]+ GFLOP/s, measured;' &&
   printf '%s\n' "$text" | grep -Eq 'peak RSS +[0-9.]+ MB'; then
  pass
else
  fail "text report: $text"
fi
# A given peak replaces the measured one: the fraction is GFLOP/s over it.
json=$("$senet" bench --arch se_resnet20 --runs 1 --warmup 0 --threads 1 --peak 50 --json)
peak=$(printf '%s\n' "$json" | grep -Eo '"peak_gflops": [0-9.]+' | sed 's/.*: //')
gflops=$(printf '%s\n' "$json" | grep -Eo '"gflops": [0-9.]+' | sed 's/.*: //')
fraction=$(printf '%s\n' "$json" | grep -Eo '"peak_fraction": [0-9.]+' | sed 's/.*: //')
if awk -v p="$peak" -v g="$gflops" -v f="$fraction" 'BEGIN { d = f - g / 50; exit !(p == 50 && d < 1e-3 && d > -1e-3) }'; then
  pass
else
  fail "--peak 50: $json"
fi

# --profile: the per-layer rows in the JSON (parsed by python3's json, in
# the one line), and the tables of the text report; the rows' time per pass
# is less than the mean pass.
for mode in inference train; do
  extra=()
  [ $mode = train ] && extra=(--train)
  json=$("$senet" bench --arch se_resnet20 --batch 2 --runs 2 --warmup 1 --threads 1 --profile --json "${extra[@]}")
  if printf '%s\n' "$json" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
rows, train = d["profile"], d["train"]
assert len(rows) > 20, len(rows)
assert all(r["forward_ms"] > 0 for r in rows)
assert all((r["backward_ms"] > 0) == train for r in rows if r["op"] != "linear" or not train)
assert sum(r["macs_per_image"] for r in rows) == d["macs_per_image"]
mean = sum(d["ms_runs"]) / len(d["ms_runs"])
assert sum(r["forward_ms"] + r["backward_ms"] for r in rows) < mean
assert rows[0]["name"] == "layer0.conv1" and rows[0]["op"].startswith("conv 3x3/1 "), rows[0]
'; then pass; else fail "--profile --json $mode: $json"; fi
done
text=$("$senet" bench --arch se_resnet50 --input-size 64 --runs 1 --warmup 0 --threads 1 --profile)
if printf '%s\n' "$text" | grep -Eq '^ +conv 3x3/1 winograd \+bn\+relu +[0-9]+ +[0-9.]+ .*%' &&
   printf '%s\n' "$text" | grep -Eq '^ +se\+add\+relu +12 ' &&  # 16 blocks; the 4 with a downsample add after it
   printf '%s\n' "$text" | grep -Eq '^ +outside the layers +-?[0-9.]+' &&
   printf '%s\n' "$text" | grep -Eq '^ +layer[1-4]\.[0-9]+\.conv[1-3] +conv '; then
  pass
else
  fail "--profile text report: $text"
fi

expect_status 0 '' -- "$senet" bench --help
expect_status 2 "unknown option '--bogus'" -- "$senet" bench --arch se_resnet20 --bogus 1
expect_status 2 '--arch is required' -- "$senet" bench --runs 1
expect_status 2 '--batch 0 is out of range' -- "$senet" bench --arch se_resnet20 --batch 0
expect_status 2 '--runs 0 is out of range' -- "$senet" bench --arch se_resnet20 --runs 0
expect_status 2 '--peak -1 is out of range' -- "$senet" bench --arch se_resnet20 --peak -1
expect_status 2 '--warmup -1 is out of range' -- "$senet" bench --arch se_resnet20 --warmup -1
expect_status 2 '--threads expects an integer' -- "$senet" bench --arch se_resnet20 --threads two
expect_status 2 '--input-size 0 is out of range' -- "$senet" bench --arch se_resnet20 --input-size 0
expect_status 2 'unknown architecture' -- "$senet" bench --arch se_resnet21
expect_status 2 '--input-size 8 is out of range' -- "$senet" bench --arch se_resnet50 --input-size 8 --runs 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
