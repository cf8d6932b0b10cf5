#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and
# runs each for SECONDS (default 30) from a copy of its committed seed corpus.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (targets: see fuzz/CMakeLists.txt)
# A crash, a leak, a timeout (> 10 s on one input) or memory beyond 2 GB
# fails the run; the input is kept in build-fuzz/artifacts/<target>/.
# Prints one line per target: executions, seconds, corpus size.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json safetensors checkpoint cifar idx jpeg png labels)
build=build-fuzz
if [ -z "${SENET_FUZZ_NO_BUILD:-}" ]; then # set when several runs share one build
  CC=clang cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENET_FUZZ=ON -DSENET_BUILD_TESTS=OFF >/dev/null
  cmake --build $build -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
fi
failed=0
for t in "${targets[@]}"; do
  work=$build/corpus/$t artifacts=$build/artifacts/$t log=$build/fuzz_$t.log
  mkdir -p "$work" "$artifacts"
  cp -n fuzz/corpus/"$t"/* "$work"/
  # close_fd_mask=3: the readers' own messages stay quiet; libFuzzer and the
  # sanitizers still report on their own copy of stderr.
  if "$build/fuzz/fuzz_$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^stat::.*//; s/.*Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  echo "fuzz_$t: $result, ${execs:-?} executions in ${secs:-$seconds} s, corpus $(ls "$work" | wc -l) files"
  [ $result = ok ] || { grep -m 5 -E 'ERROR|SUMMARY|Test unit written' "$log" || tail -20 "$log"; }
done
exit $failed
