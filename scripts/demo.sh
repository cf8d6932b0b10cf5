#!/usr/bin/env bash
# The quick-start demo on a fresh Debian machine: installs what it needs,
# builds, classifies real photos (from Debian's darknet and scikit-image
# packages) and CIFAR-10 test images with the default model
# (models/se_resnet20_cifar10.safetensors, trained by senet), evaluates it on
# the 10,000 CIFAR-10 test images, then trains a CIFAR SE-ResNet-20 briefly on
# 2,000 real CIFAR-10 images and plots its curves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s >/dev/null
bash scripts/photos.sh
out=build/demo
archive=${SENET_CIFAR_ARCHIVE:-../shared/data/cifar10-jpeg.tar.gz}
rm -rf "$out" && mkdir -p "$out/cifar" "$out/cifar-test"
# The whole test split for the default model; 200 training and 20 test
# images per class for the brief training run.
tar xzf "$archive" -C "$out/cifar-test" --wildcards 'test/*'
tar xzf "$archive" -C "$out/cifar" --wildcards 'train/*/0[01][0-9][0-9].jpg' 'test/*/00[01][0-9].jpg'
set -x
build/senet classify --top 3 build/photos/dog.jpg build/photos/horses.jpg build/photos/eagle.jpg \
  build/photos/chelsea.png "$out/cifar-test/test/ship/0000.jpg" "$out/cifar-test/test/frog/0000.jpg"
build/senet eval --data "$out/cifar-test"
build/senet train --arch se_resnet20 --data "$out/cifar" --epochs 3 --batch 64 --lr 0.05 --out "$out/run"
for format in svg png; do
  build/senet plot "$out/run/log.jsonl" -o "$out/run/curves.$format" --title "se_resnet20, 2000 CIFAR-10 images"
done
{ set +x; } 2>/dev/null
echo "curves: $out/run/curves.svg and curves.png"
