#!/usr/bin/env bash
# The quick-start demo on a fresh Debian machine: installs what it needs,
# builds, describes SE-ResNet-50, trains a CIFAR SE-ResNet-20 briefly on real
# CIFAR-10 images (a subset of the JPEG archive in ../shared/data), evaluates
# it, classifies a few test images with it and plots its curves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s >/dev/null
out=build/demo
archive=${SENET_CIFAR_ARCHIVE:-../shared/data/cifar10-jpeg.tar.gz}
rm -rf "$out" && mkdir -p "$out/cifar"
# 200 training and 20 test images per class.
tar xzf "$archive" -C "$out/cifar" --wildcards 'train/*/0[01][0-9][0-9].jpg' 'test/*/00[01][0-9].jpg'
set -x
build/senet info --arch se_resnet50
build/senet train --arch se_resnet20 --data "$out/cifar" --epochs 3 --batch 64 --lr 0.05 --out "$out/run"
build/senet eval --arch se_resnet20 --weights "$out/run/final.safetensors" --data "$out/cifar"
build/senet classify --arch se_resnet20 --weights "$out/run/final.safetensors" --top 3 \
  "$out/cifar/test/cat/0000.jpg" "$out/cifar/test/ship/0000.jpg" "$out/cifar/test/horse/0000.jpg"
build/senet plot "$out/run/log.jsonl" -o "$out/run/curves.svg" --title "se_resnet20, 2000 CIFAR-10 images"
{ set +x; } 2>/dev/null
echo "curves: $out/run/curves.svg"
