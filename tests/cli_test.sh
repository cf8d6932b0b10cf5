#!/usr/bin/env bash
# The CLI contract end to end, without PyTorch: help texts, exit statuses and
# error messages that name the problem. Usage: cli_test.sh path/to/senet
set -u
senet=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect STATUS PATTERN -- command...: the exit status and a regex that stdout+stderr must match
expect() {
  local want=$1 pattern=$2
  shift 3
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ] && { [ -z "$pattern" ] || printf '%s\n' "$out" | grep -Eq -- "$pattern"; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $* -> status $status (want $want), output:"
    printf '%s\n' "$out" | head -5
  fi
}

expect 0 'usage: senet COMMAND' -- "$senet" --help
expect 2 'usage: senet COMMAND' -- "$senet"
expect 2 "unknown command 'frobnicate'" -- "$senet" frobnicate
for cmd in info init forward step convert; do
  expect 0 "usage: senet $cmd" -- "$senet" $cmd --help
  expect 0 'se-reduction' -- "$senet" $cmd --help
done
expect 0 '^se_resnet50' -- "$senet" info --list
expect 0 '"params": 28088024' -- "$senet" info --arch se_resnet50 --json
expect 0 '"macs": 40815200' -- "$senet" info --arch se_resnet20 --json
expect 0 '"params": 25557032' -- "$senet" info --arch se_resnet50 --se-stages none --json
expect 0 '"params": 28088024' -- "$senet" info --arch resnet50 --se-stages all --json
expect 0 'SE: reduction 8, squeeze max, gate tanh, mode identity, stages 3,4, biases off' -- \
  "$senet" info --arch se_resnet50 --se-reduction 8 --se-squeeze max --se-gate tanh --se-mode identity --se-stages 3,4 --se-bias 0
expect 0 '"input_size": \[96, 64\]' -- "$senet" info --arch se_resnet50 --input-size 96x64 --json
expect 2 "unknown architecture 'se_resnet51'" -- "$senet" info --arch se_resnet51
expect 2 '--arch is required' -- "$senet" info
expect 2 "unknown option '--bogus'" -- "$senet" info --arch se_resnet50 --bogus 1
expect 2 '--num-classes expects an integer' -- "$senet" info --arch se_resnet50 --num-classes ten
expect 2 '--num-classes -3 is out of range' -- "$senet" info --arch se_resnet50 --num-classes -3
expect 2 "--se-gate 'swish' is not one of: sigmoid \\| tanh \\| relu" -- "$senet" info --arch se_resnet50 --se-gate swish
expect 2 'se-stages expects' -- "$senet" info --arch se_resnet50 --se-stages 5
expect 1 'does not divide the 16 channels' -- "$senet" info --arch se_resnet20 --se-reduction 32
expect 1 'SE stages mask' -- "$senet" info --arch se_resnet20 --se-stages 4
expect 2 '--input-size 8 is out of range \(S or HxW, 32..16384 pixels a side\)' -- "$senet" info --arch se_resnet50 --input-size 8
expect 2 '--input-size 0x3 is out of range' -- "$senet" info --arch se_resnet50 --input-size 0x3
expect 2 'needs a value' -- "$senet" init --arch se_resnet20 --output
expect 2 '--output is required' -- "$senet" init --arch se_resnet20
expect 0 '' -- "$senet" init --arch se_resnet20 --seed 3 --output "$tmp/w.safetensors"
expect 1 "$tmp/missing.safetensors: cannot open" -- \
  "$senet" forward --arch se_resnet20 --weights "$tmp/w.safetensors" --input "$tmp/missing.safetensors" --output "$tmp/o.safetensors"
printf 'not a safetensors file' > "$tmp/junk.safetensors"
printf '\377\330\377\340\000\020JFIF\000' > "$tmp/photo.jpg"
expect 1 "$tmp/photo.jpg: not a safetensors file \(it is a JPEG image\)" -- \
  "$senet" convert --arch se_resnet20 --weights "$tmp/photo.jpg" --output "$tmp/o.safetensors"
expect 1 "$tmp/junk.safetensors" -- \
  "$senet" forward --arch se_resnet20 --weights "$tmp/w.safetensors" --input "$tmp/junk.safetensors" --output "$tmp/o.safetensors"
expect 1 "$tmp/junk.safetensors" -- \
  "$senet" convert --arch se_resnet20 --weights "$tmp/junk.safetensors" --output "$tmp/o.safetensors"
expect 1 "has no tensor 'input'" -- \
  "$senet" forward --arch se_resnet20 --weights "$tmp/w.safetensors" --input "$tmp/w.safetensors" --output "$tmp/o.safetensors"
# A file that says what it is: a flag that disagrees is a usage error naming both values.
expect 2 "--se-reduction 8 disagrees with $tmp/w.safetensors, whose se_reduction is 16" -- \
  "$senet" convert --arch se_resnet20 --se-reduction 8 --weights "$tmp/w.safetensors" --output "$tmp/o.safetensors"
expect 2 "--arch resnet20 disagrees with $tmp/w.safetensors, whose arch is se_resnet20" -- \
  "$senet" convert --arch resnet20 --weights "$tmp/w.safetensors" --output "$tmp/o.safetensors"
expect 2 "--num-classes 100 disagrees with $tmp/w.safetensors, whose num_classes is 10" -- \
  "$senet" convert --num-classes 100 --weights "$tmp/w.safetensors" --output "$tmp/o.safetensors"
expect 0 '' -- "$senet" convert --se-stages all --se-gate sigmoid --weights "$tmp/w.safetensors" --output "$tmp/o.safetensors"
expect 0 '' -- "$senet" init --arch se_resnet20 --se-bias 0 --output "$tmp/nobias.safetensors"
expect 0 '' -- "$senet" convert --weights "$tmp/nobias.safetensors" --output "$tmp/o.safetensors"
# Files without metadata (PyTorch's) take the flags, and the state dict decides.
strip_metadata() { /usr/bin/python3 -c '
import json, struct, sys
b = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
t = json.dumps(h).encode(); t += b" " * (-len(t) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])' "$1" "$2"; }
strip_metadata "$tmp/w.safetensors" "$tmp/bare.safetensors"
strip_metadata "$tmp/nobias.safetensors" "$tmp/bare_nobias.safetensors"
expect 2 "--arch is required: $tmp/bare.safetensors does not say its architecture" -- \
  "$senet" convert --weights "$tmp/bare.safetensors" --output "$tmp/o.safetensors"
expect 1 "tensor 'layer1.0.se_module.fc1.weight' has shape \(1, 16, 1, 1\), the architecture expects \(2, 16, 1, 1\)" -- \
  "$senet" convert --arch se_resnet20 --se-reduction 8 --weights "$tmp/bare.safetensors" --output "$tmp/o.safetensors"
expect 1 "missing tensor 'layer1.0.se_module.fc1.bias' of shape \(1\)" -- \
  "$senet" convert --arch se_resnet20 --weights "$tmp/bare_nobias.safetensors" --output "$tmp/o.safetensors"
expect 1 "unexpected tensor 'layer1.0.se_module.fc1.weight'" -- \
  "$senet" convert --arch resnet20 --weights "$tmp/bare.safetensors" --output "$tmp/o.safetensors"
expect 1 "'last_linear.weight' has shape \(10, 64\), the architecture expects \(100, 64\)" -- \
  "$senet" convert --arch se_resnet20 --num-classes 100 --weights "$tmp/bare.safetensors" --output "$tmp/o.safetensors"
# A bare file converted gets the configuration and the command; its classes come from its classifier.
expect 0 '' -- "$senet" convert --arch se_resnet20 --weights "$tmp/bare.safetensors" --output "$tmp/described.safetensors"
expect 0 '' -- "$senet" convert --weights "$tmp/described.safetensors" --output "$tmp/o.safetensors"
expect 1 "$tmp/nodir/o.safetensors" -- \
  "$senet" convert --arch se_resnet20 --weights "$tmp/w.safetensors" --output "$tmp/nodir/o.safetensors"
expect 0 '' -- "$senet" convert --arch se_resnet20 --weights "$tmp/w.safetensors" --output "$tmp/c.safetensors"
if cmp -s "$tmp/w.safetensors" "$tmp/c.safetensors"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: convert of an F32 file is not byte-identical"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
