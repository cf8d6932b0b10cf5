#!/usr/bin/env bash
# Fine-tuning against training from scratch, on a task the default model
# never saw: Fashion-MNIST (Debian's dataset-fashion-mnist), 2 epochs each,
# one thread, seed 0, the recipe of scripts/train_default.sh otherwise.
#   scratch   se_resnet20 from random weights, lr 0.1
#   finetune  from models/se_resnet20_cifar10.safetensors, a new classifier
#             (--reset-head), lr 0.01 with the classifier at 10x
#   probe     the same start with every stage frozen (--freeze all): only
#             the classifier trains, lr 0.1
# The learning rates are the usual choices (a tenth of scratch for a
# fine-tune), not tuned on the test set.
#   bash scripts/finetune_demo.sh [OUT]   (default /tmp/senet-finetune)
# Prints each run's last epoch line; the logs are OUT/RUN/log.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/senet-finetune}
data=/usr/share/datasets/fashion-mnist
senet=${SENET:-build/senet}
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
[ -x "$senet" ] || make -s >/dev/null
recipe=(--data "$data" --epochs 2 --batch 128 --schedule cosine --momentum 0.9 --nesterov --weight-decay 5e-4
        --no-decay-bn-bias --seed 0 --threads 1 --log-every 50 --overwrite)
start=(--weights models/se_resnet20_cifar10.safetensors --reset-head)
run() {
  local name=$1; shift
  "$senet" train "${recipe[@]}" "$@" --out "$out/$name" 2>"$out/$name.err" || { tail -5 "$out/$name.err" >&2; exit 1; }
  echo "$name: $(grep '^epoch 2/2:' "$out/$name.err" | tail -1)"
}
mkdir -p "$out"
run scratch --arch se_resnet20 --lr 0.1
run finetune "${start[@]}" --lr 0.01 --head-lr-mult 10
run probe "${start[@]}" --freeze all --lr 0.1
