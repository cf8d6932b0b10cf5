#!/usr/bin/env python3
"""The committed CIFAR-10 models, run by PyTorch instead of senet.

Each models/ARCH_cifar10.safetensors is loaded with load_state_dict(strict=True)
into the PyTorch SE-ResNet of tests/ref/models.py and evaluated on the 10,000
test images: decoded by PIL, scaled to [0, 1] and normalised with the usual
CIFAR-10 mean (0.4914, 0.4822, 0.4465) and std (0.2470, 0.2435, 0.2616) by
torchvision. Its top-1 must be the README's within 0.1 point: the README's
figure is senet's, and float sums in another order may flip an image whose two
best classes are within rounding.

Usage: default_model_torch.py TEST_DIR REPO_ROOT ARCH=TOP1...
  TEST_DIR: test/<class>/*.jpg; TOP1: the README's figure for ARCH, as
  default_model_test.sh reads it from the table.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "ref"))

import common  # noqa: E402,F401  first: it sets OpenMP's wait policy before torch loads
import torch  # noqa: E402
import torchvision.transforms as T  # noqa: E402
from PIL import Image  # noqa: E402

import models  # noqa: E402
import st_numpy  # noqa: E402

test_dir, root = sys.argv[1], sys.argv[2]
stated_top1 = {a: float(t or "nan") for a, t in (arg.split("=", 1) for arg in sys.argv[3:])}
to_input = T.Compose([T.ToTensor(), T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])

# The test split: (10000, 3, 32, 32) inputs and their labels, classes in sorted order.
classes = sorted(d for d in os.listdir(test_dir) if os.path.isdir(os.path.join(test_dir, d)))
inputs, labels = [], []
for label, name in enumerate(classes):
    folder = os.path.join(test_dir, name)
    for f in sorted(os.listdir(folder)):
        inputs.append(to_input(Image.open(os.path.join(folder, f)).convert("RGB")))
        labels.append(label)
inputs, labels = torch.stack(inputs), torch.tensor(labels)

passed = failed = 0
for arch, stated in stated_top1.items():
    model = models.build(arch, len(classes))
    tensors = st_numpy.load(os.path.join(root, "models", arch + "_cifar10.safetensors"))
    try:
        common.load_into(model, tensors)
    except common.Failure as e:
        print("FAIL: %s: %s" % (arch, e))
        failed += 1
        continue
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(inputs[i:i + 500]).argmax(1) for i in range(0, len(inputs), 500)])
    top1 = 100.0 * (predicted == labels).sum().item() / len(labels)
    ok = len(labels) == 10000 and abs(top1 - stated) <= 0.1
    print("%s: %s PyTorch top-1 %.2f%% on %d test images, README %.2f%%"
          % ("ok" if ok else "FAIL", arch, top1, len(labels), stated))
    passed, failed = passed + ok, failed + (not ok)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
