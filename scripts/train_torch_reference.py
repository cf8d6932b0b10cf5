"""The default model's recipe in PyTorch, to compare learning curves with senet.

    /usr/bin/python3 scripts/train_torch_reference.py [ARCH] [--epochs E] [--run R] [--threads T]

Trains ARCH (se_resnet20) from tests/ref/models.py on the CIFAR-10 JPEG folder
that scripts/train_default.sh unpacks (build/cifar10) with the recipe of that
script: SGD 0.1, Nesterov momentum 0.9, weight decay 5e-4 without BN and
biases, batch 128, cosine over E epochs (per step), 4-pixel zero pad, random
32x32 crop, flip, CIFAR mean/std. It runs the first R epochs of that schedule
(default all) and prints one line an epoch: train loss and top-1 on the
augmented batches, test loss and top-1, like senet's log. The images are
decoded once with PIL and cached in build/cifar10/*.npz.

This is how the augmentation bug of the first default models was found: on
this recipe PyTorch reached 45% train top-1 after one epoch, senet 36%."""
import argparse, math, os, sys, time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

import models  # noqa: E402

ROOT = "build/cifar10"
MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)


def load(split):
    """(N, 32, 32, 3) uint8 and (N,) labels, classes and files in sorted order as senet reads them."""
    cache = os.path.join(ROOT, "%s.npz" % split)
    if os.path.exists(cache):
        d = np.load(cache)
        return d["x"], d["y"]
    classes = sorted(os.listdir(os.path.join(ROOT, split)))
    xs, ys = [], []
    for k, c in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(ROOT, split, c))):
            xs.append(np.asarray(Image.open(os.path.join(ROOT, split, c, f)).convert("RGB")))
            ys.append(k)
    x, y = np.stack(xs), np.array(ys)
    np.savez(cache, x=x, y=y)
    return x, y


def normalise(x):
    return (torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255 - MEAN) / STD


def augment(x, rng):
    """4-pixel zero pad (0 before normalisation), random 32x32 crop, horizontal flip."""
    n = x.shape[0]
    padded = ((0 - MEAN) / STD).expand(n, 3, 40, 40).clone()
    padded[:, :, 4:36, 4:36] = x
    tops, lefts, flips = rng.randint(0, 9, n), rng.randint(0, 9, n), rng.rand(n) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        crop = padded[i, :, tops[i]:tops[i] + 32, lefts[i]:lefts[i] + 32]
        out[i] = crop.flip(2) if flips[i] else crop
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("arch", nargs="?", default="se_resnet20")
    p.add_argument("--epochs", type=int, default=25, help="length of the cosine schedule")
    p.add_argument("--run", type=int, default=0, help="epochs to run (default: all)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    xtr, ytr = load("train")
    xte, yte = load("test")
    Xtr, Xte, Ytr, Yte = normalise(xtr), normalise(xte), torch.from_numpy(ytr).long(), torch.from_numpy(yte).long()
    model = models.build(a.arch)
    groups = [{"params": [q for q in model.parameters() if q.dim() > 1]},
              {"params": [q for q in model.parameters() if q.dim() <= 1], "weight_decay": 0.0}]
    opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    batch, count = 128, Xtr.shape[0]
    steps = math.ceil(count / batch)
    for epoch in range(a.run or a.epochs):
        model.train()
        perm, started, hits, loss_sum = torch.randperm(count), time.time(), 0, 0.0
        for b in range(steps):
            idx = perm[b * batch:(b + 1) * batch]
            x, y = augment(Xtr[idx], rng), Ytr[idx]
            lr = 0.05 * (1 + math.cos(math.pi * (epoch + b / steps) / a.epochs))
            for g in opt.param_groups:
                g["lr"] = lr
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            hits += (logits.argmax(1) == y).sum().item()
            loss_sum += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            test = torch.cat([model(Xte[i:i + 500]) for i in range(0, Xte.shape[0], 500)])
        print("epoch %d  train loss %.4f top-1 %.2f%%  test loss %.4f top-1 %.2f%%  %.0f s" % (
            epoch + 1, loss_sum / count, 100 * hits / count, F.cross_entropy(test, Yte).item(),
            100 * (test.argmax(1) == Yte).float().mean().item(), time.time() - started), flush=True)


if __name__ == "__main__":
    main()
