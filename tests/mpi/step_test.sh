#!/usr/bin/env bash
# senet step under mpirun against the single process (the referee, itself
# tested against PyTorch in tests/ref/test_step.py): with --sync-bn, P ranks
# holding slices of a batch end with the weights, BN statistics and losses of
# one process holding the whole batch, within 1e-5 absolute after 3 SGD steps
# (float32 sums run in another order; measured here ~3e-7, and reversing the
# batch's order in one process moves the result as much). Without --sync-bn
# the ranks normalise their own slices and the result must differ by far more
# (>= 1e-3), which shows the comparison can tell. Ranks that disagree on the
# command or the batch stop with a message naming it; commands that write
# files without splitting work refuse to run on several ranks.
# Usage: step_test.sh path/to/senet path/to/mpiexec
set -u
senet=$(realpath "$1") mpiexec=$2  # absolute: some ranks run in other folders (-wdir)
source "$(dirname "$0")/common.sh"
# More ranks than cores: Open MPI needs to be told; MPICH does not know the flag.
over=()
"$mpiexec" --version 2>&1 | grep -Eqi "open ?mpi|openrte" && over=(--oversubscribe)

"$senet" init --arch se_resnet20 --seed 11 --output "$tmp/w.safetensors" || { echo "init failed"; exit 1; }
$py "$here/make_batch.py" "$tmp/b.safetensors" 8 32 3 || { echo "cannot write the batch"; exit 1; }
step=(step --arch se_resnet20 --weights "$tmp/w.safetensors" --input "$tmp/b.safetensors" --steps 3 --lr 0.01
      --momentum 0.9 --weight-decay 1e-4)

"$senet" "${step[@]}" --output "$tmp/one.safetensors" && ok "one process" || bad "one process"
for np in 2 3; do  # 3 ranks split 8 images 2/3/3: the global loss scale must make unequal shards exact
  if "$mpiexec" "${over[@]}" -n $np "$senet" "${step[@]}" --sync-bn --output "$tmp/sync$np.safetensors"; then
    $py "$here/compare.py" "$tmp/one.safetensors" "$tmp/sync$np.safetensors" --max-abs 1e-5 &&
      ok "$np ranks --sync-bn = one process within 1e-5" || bad "$np ranks --sync-bn differ from one process"
  else
    bad "mpiexec -n $np step --sync-bn failed"
  fi
done
if "$mpiexec" -n 2 "$senet" "${step[@]}" --output "$tmp/local.safetensors"; then
  $py "$here/compare.py" "$tmp/one.safetensors" "$tmp/local.safetensors" --min-abs 1e-3 &&
    ok "2 ranks without --sync-bn differ (per-rank BN)" || bad "per-rank BN does not differ: the test cannot tell"
else
  bad "mpiexec -n 2 step failed"
fi

# expect_fail PATTERN -- command: non-zero exit within 60 s and the message
expect_fail() {
  local pattern=$1 out status
  shift 2
  out=$(timeout 60 "$@" 2>&1)
  status=$?
  if [ $status -ne 0 ] && [ $status -ne 124 ] && printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
    ok "fails with '$pattern'"
  else
    bad "want a failure with '$pattern', got status $status:"
    printf '%s\n' "$out" | head -5
  fi
}
args=(--weights "$tmp/w.safetensors" --input b.safetensors --output "$tmp/x.safetensors")
# (a flag the weights file cannot settle: its metadata would refuse a wrong --arch on the rank itself)
expect_fail 'ranks disagree on the command line' -- "$mpiexec" -n 1 "$senet" step --arch se_resnet20 "${args[@]}" : \
  -n 1 "$senet" step --arch se_resnet20 "${args[@]}" --lr 0.05
# The same command line, but a different file behind the same relative path.
mkdir -p "$tmp/a" "$tmp/b"
cp "$tmp/b.safetensors" "$tmp/a/b.safetensors"
$py "$here/make_batch.py" "$tmp/b/b.safetensors" 8 32 4
expect_fail 'ranks disagree on the batch in --input' -- "$mpiexec" -n 1 -wdir "$tmp/a" "$senet" step --arch se_resnet20 \
  "${args[@]}" : -n 1 -wdir "$tmp/b" "$senet" step --arch se_resnet20 "${args[@]}"
$py "$here/make_batch.py" "$tmp/one_image.safetensors" 1 32 5
expect_fail 'holds 1 image, too few for 2 ranks' -- "$mpiexec" -n 2 "$senet" step --arch se_resnet20 \
  --weights "$tmp/w.safetensors" --input "$tmp/one_image.safetensors" --output "$tmp/x.safetensors"

expect_fail 'senet init: does not run under mpirun with several ranks' -- "$mpiexec" -n 2 "$senet" init --arch se_resnet20 \
  --output "$tmp/x.safetensors"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
