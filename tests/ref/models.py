"""PyTorch reference networks for the senet C library.

The state_dict names are the contract with the C side:
  layer0.conv1.weight, layer0.bn1.*            the stem (senet154: conv1..3, bn1..3)
  layerS.I.conv{1,2,3}.weight, layerS.I.bn{1,2,3}.*
  layerS.I.se_module.fc{1,2}.{weight,bias}     1x1 convs, (C/r, C, 1, 1) and (C, C/r, 1, 1)
  layerS.I.downsample.0.weight (conv), layerS.I.downsample.1.* (BN; absent in pre-activation nets)
  final_bn.* (pre-activation nets), last_linear.{weight,bias}

Three families:
  ImageNet bottleneck nets in the layout of Cadene's pretrainedmodels senet.py
  (stride in the first 1x1 conv for SE-ResNet, in the grouped 3x3 for SE-ResNeXt and
  SENet-154), plus the same nets without SE (resnet50, resnext50_32x4d, ...);
  CIFAR basic-block nets (resnet20 ... resnet110, 6n+2 layers);
  the pre-activation bottleneck resnet164 (9n+2 layers, n = 18).

SE options (keyword arguments of build()): reduction r, squeeze 'avg'|'max',
gate 'sigmoid'|'tanh'|'relu', mode 'standard'|'pre'|'post'|'identity',
stages (stage numbers that get SE; default all for se_* nets, none for the
plain twins), bias True|False.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SE_DEFAULTS = dict(reduction=16, squeeze="avg", gate="sigmoid", mode="standard", bias=True)
SQUEEZES = ("avg", "max")
GATES = ("sigmoid", "tanh", "relu")
MODES = ("standard", "pre", "post", "identity")


class SEModule(nn.Module):
    """Squeeze (global pool) -> fc1 -> relu -> fc2 -> gate -> scale the input."""

    def __init__(self, channels, reduction=16, squeeze="avg", gate="sigmoid", bias=True):
        super().__init__()
        if reduction < 1 or channels % reduction != 0:
            raise ValueError("SE reduction %d does not divide %d channels" % (reduction, channels))
        if squeeze not in SQUEEZES:
            raise ValueError("unknown SE squeeze %r" % squeeze)
        if gate not in GATES:
            raise ValueError("unknown SE gate %r" % gate)
        hidden = channels // reduction
        self.squeeze = squeeze
        self.gate = gate
        self.fc1 = nn.Conv2d(channels, hidden, kernel_size=1, bias=bias)
        self.fc2 = nn.Conv2d(hidden, channels, kernel_size=1, bias=bias)

    def forward(self, x):
        if self.squeeze == "avg":
            z = x.mean(dim=(2, 3), keepdim=True)
        else:
            z = x.amax(dim=(2, 3), keepdim=True)
        s = self.fc2(F.relu(self.fc1(z)))
        if self.gate == "sigmoid":
            s = torch.sigmoid(s)
        elif self.gate == "tanh":
            s = torch.tanh(s)
        else:
            s = F.relu(s)
        return x * s


class _Block(nn.Module):
    """Common SE plumbing. se is None (no SE) or a dict of SE options."""

    def _add_se(self, se, in_channels, out_channels):
        self.se_mode = None if se is None else se["mode"]
        if se is not None:
            if self.se_mode not in MODES:
                raise ValueError("unknown SE mode %r" % self.se_mode)
            channels = in_channels if self.se_mode == "pre" else out_channels
            self.se_module = SEModule(channels, se["reduction"], se["squeeze"], se["gate"], se["bias"])

    def _se(self, x, where):
        return self.se_module(x) if self.se_mode == where else x


class PostActBlock(_Block):
    """A post-activation residual block: out = relu(branch(x) + shortcut(x)).

    Subclasses build conv1.. / bn1.. and define branch(); SE goes where the mode says:
    standard: on branch(x); pre: on x before the branch (the shortcut keeps the
    unscaled x); post: after the final ReLU; identity: on the shortcut output."""

    def _add_downsample(self, inplanes, outplanes, stride, kernel_size=1, padding=0):
        self.downsample = None
        if stride != 1 or inplanes != outplanes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, outplanes, kernel_size, stride=stride, padding=padding, bias=False),
                nn.BatchNorm2d(outplanes))

    def forward(self, x):
        out = self._se(self.branch(self._se(x, "pre")), "standard")
        shortcut = x if self.downsample is None else self.downsample(x)
        out = F.relu(out + self._se(shortcut, "identity"))
        return self._se(out, "post")


class ResNetBottleneck(PostActBlock):
    """SEResNetBottleneck (Cadene): the stride sits in the first 1x1 conv."""
    expansion = 4

    def __init__(self, inplanes, planes, stride, se, ds_kernel=1, ds_padding=0):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self._add_se(se, inplanes, out)
        self._add_downsample(inplanes, out, stride, ds_kernel, ds_padding)

    def branch(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))


class ResNeXtBottleneck(PostActBlock):
    """SEResNeXtBottleneck (32x4d): width = floor(planes * 4 / 64) * 32, stride in the grouped 3x3."""
    expansion = 4

    def __init__(self, inplanes, planes, stride, se, ds_kernel=1, ds_padding=0, groups=32, base_width=4):
        super().__init__()
        width = (planes * base_width // 64) * groups
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self._add_se(se, inplanes, out)
        self._add_downsample(inplanes, out, stride, ds_kernel, ds_padding)

    branch = ResNetBottleneck.branch


class SENetBottleneck(PostActBlock):
    """SEBottleneck of SENet-154: 1x1 to planes*2, grouped (64) 3x3 to planes*4 with the stride, 1x1."""
    expansion = 4

    def __init__(self, inplanes, planes, stride, se, ds_kernel=1, ds_padding=0, groups=64):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes * 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes * 2)
        self.conv2 = nn.Conv2d(planes * 2, planes * 4, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(planes * 4)
        self.conv3 = nn.Conv2d(planes * 4, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self._add_se(se, inplanes, out)
        self._add_downsample(inplanes, out, stride, ds_kernel, ds_padding)

    branch = ResNetBottleneck.branch


class BasicBlock(PostActBlock):
    """The CIFAR basic block: 3x3 (stride) -> BN -> ReLU -> 3x3 -> BN; projection shortcut."""
    expansion = 1

    def __init__(self, inplanes, planes, stride, se, ds_kernel=1, ds_padding=0):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self._add_se(se, inplanes, planes)
        self._add_downsample(inplanes, planes, stride, ds_kernel, ds_padding)

    def branch(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(x))


class PreActBottleneck(_Block):
    """Pre-activation bottleneck (ResNet-164):
    p = relu(bn1(x)); branch = conv3(relu(bn3(conv2(relu(bn2(conv1(p)))))));
    shortcut = downsample(p) (a bare 1x1 conv) or x; out = branch + shortcut, no ReLU.
    SE: standard on the branch; pre on x before bn1; post after the add;
    identity on the shortcut."""
    expansion = 4

    def __init__(self, inplanes, planes, stride, se, ds_kernel=1, ds_padding=0):
        super().__init__()
        out = planes * 4
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self._add_se(se, inplanes, out)
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False))

    def forward(self, x):
        p = F.relu(self.bn1(self._se(x, "pre")))
        out = self.conv1(p)
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        out = self._se(out, "standard")
        shortcut = x if self.downsample is None else self.downsample(p)
        out = out + self._se(shortcut, "identity")
        return self._se(out, "post")


# name -> (family, block, blocks per stage, has SE by default)
_IMAGENET = {
    "se_resnet50": (ResNetBottleneck, [3, 4, 6, 3], True),
    "se_resnet101": (ResNetBottleneck, [3, 4, 23, 3], True),
    "se_resnet152": (ResNetBottleneck, [3, 8, 36, 3], True),
    "se_resnext50_32x4d": (ResNeXtBottleneck, [3, 4, 6, 3], True),
    "se_resnext101_32x4d": (ResNeXtBottleneck, [3, 4, 23, 3], True),
    "senet154": (SENetBottleneck, [3, 8, 36, 3], True),
    "resnet50": (ResNetBottleneck, [3, 4, 6, 3], False),
    "resnet101": (ResNetBottleneck, [3, 4, 23, 3], False),
    "resnet152": (ResNetBottleneck, [3, 8, 36, 3], False),
    "resnext50_32x4d": (ResNeXtBottleneck, [3, 4, 6, 3], False),
    "resnext101_32x4d": (ResNeXtBottleneck, [3, 4, 23, 3], False),
}
_CIFAR_DEPTHS = (20, 32, 44, 56, 110)

IMAGENET_ARCHS = list(_IMAGENET)
CIFAR_ARCHS = ["%s%d" % (p, d) for p in ("resnet", "se_resnet") for d in _CIFAR_DEPTHS]
PREACT_ARCHS = ["resnet164", "se_resnet164"]
ARCHS = IMAGENET_ARCHS + CIFAR_ARCHS + PREACT_ARCHS


def family(arch):
    """'imagenet', 'cifar' or 'preact'."""
    if arch in _IMAGENET:
        return "imagenet"
    if arch in CIFAR_ARCHS:
        return "cifar"
    if arch in PREACT_ARCHS:
        return "preact"
    raise ValueError("unknown architecture %r" % arch)


def default_num_classes(arch):
    return 1000 if family(arch) == "imagenet" else 10


def parse_stages(stages):
    """None, an iterable of ints, or a string like "2,3" / "none" -> a set of ints (or None)."""
    if stages is None:
        return None
    if isinstance(stages, str):
        s = stages.strip().lower()
        if s in ("", "none"):
            return set()
        return {int(t) for t in s.split(",")}
    return {int(t) for t in stages}


class SENet(nn.Module):
    """One network of any family. Use build()."""

    def __init__(self, arch, num_classes=None, reduction=16, squeeze="avg", gate="sigmoid",
                 mode="standard", stages=None, bias=True):
        super().__init__()
        fam = family(arch)
        if num_classes is None:
            num_classes = default_num_classes(arch)
        if fam == "imagenet":
            block, layers, has_se = _IMAGENET[arch]
            planes = [64, 128, 256, 512]
            strides = [1, 2, 2, 2]
        elif fam == "cifar":
            block, has_se = BasicBlock, arch.startswith("se_")
            n = (int(arch.split("resnet")[1]) - 2) // 6
            layers, planes, strides = [n] * 3, [16, 32, 64], [1, 2, 2]
        else:
            block, has_se = PreActBottleneck, arch.startswith("se_")
            layers, planes, strides = [18] * 3, [16, 32, 64], [1, 2, 2]
        nstages = len(layers)
        stage_set = parse_stages(stages)
        if stage_set is None:
            stage_set = set(range(1, nstages + 1)) if has_se else set()
        for s in stage_set:
            if not 1 <= s <= nstages:
                raise ValueError("%s has stages 1..%d, not %d" % (arch, nstages, s))
        se = dict(reduction=reduction, squeeze=squeeze, gate=gate, mode=mode, bias=bias)
        self.arch = arch

        layer0 = nn.Sequential()
        if arch == "senet154":
            layer0.add_module("conv1", nn.Conv2d(3, 64, 3, stride=2, padding=1, bias=False))
            layer0.add_module("bn1", nn.BatchNorm2d(64))
            layer0.add_module("relu1", nn.ReLU())
            layer0.add_module("conv2", nn.Conv2d(64, 64, 3, padding=1, bias=False))
            layer0.add_module("bn2", nn.BatchNorm2d(64))
            layer0.add_module("relu2", nn.ReLU())
            layer0.add_module("conv3", nn.Conv2d(64, 128, 3, padding=1, bias=False))
            layer0.add_module("bn3", nn.BatchNorm2d(128))
            layer0.add_module("relu3", nn.ReLU())
            layer0.add_module("pool", nn.MaxPool2d(3, stride=2, ceil_mode=True))
            inplanes = 128
        elif fam == "imagenet":
            layer0.add_module("conv1", nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False))
            layer0.add_module("bn1", nn.BatchNorm2d(64))
            layer0.add_module("relu1", nn.ReLU())
            layer0.add_module("pool", nn.MaxPool2d(3, stride=2, ceil_mode=True))
            inplanes = 64
        elif fam == "cifar":
            layer0.add_module("conv1", nn.Conv2d(3, 16, 3, padding=1, bias=False))
            layer0.add_module("bn1", nn.BatchNorm2d(16))
            layer0.add_module("relu1", nn.ReLU())
            inplanes = 16
        else:
            layer0.add_module("conv1", nn.Conv2d(3, 16, 3, padding=1, bias=False))
            inplanes = 16
        self.layer0 = layer0

        for s in range(nstages):
            # SENet-154 uses a 3x3 projection shortcut in stages 2-4.
            ds_kernel, ds_padding = (3, 1) if (arch == "senet154" and s > 0) else (1, 0)
            blocks = []
            for i in range(layers[s]):
                blocks.append(block(inplanes, planes[s], strides[s] if i == 0 else 1,
                                    se if (s + 1) in stage_set else None, ds_kernel, ds_padding))
                inplanes = planes[s] * block.expansion
            self.add_module("layer%d" % (s + 1), nn.Sequential(*blocks))
        self.nstages = nstages

        if fam == "preact":
            self.final_bn = nn.BatchNorm2d(inplanes)
        self.dropout = nn.Dropout(0.2) if arch == "senet154" else None
        self.last_linear = nn.Linear(inplanes, num_classes)
        self.init_weights()

    def init_weights(self):
        """Kaiming normal (fan_out) convs, BN 1/0; the classifier keeps PyTorch's default."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def features(self, x):
        x = self.layer0(x)
        for s in range(1, self.nstages + 1):
            x = getattr(self, "layer%d" % s)(x)
        if hasattr(self, "final_bn"):
            x = F.relu(self.final_bn(x))
        return x

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.last_linear(x)


def build(arch, num_classes=None, init=True, **se_options):
    """build("se_resnet50"), build("resnet20", reduction=4, stages="2,3"), ...

    init=False leaves the parameters uninitialised (arbitrary values): for counting
    them, several times faster on the large nets."""
    opts = dict(SE_DEFAULTS)
    for k, v in se_options.items():
        if k not in ("reduction", "squeeze", "gate", "mode", "stages", "bias"):
            raise TypeError("unknown SE option %r" % k)
        opts[k] = v
    if init:
        return SENet(arch, num_classes, **opts)
    names = ("kaiming_uniform_", "kaiming_normal_", "uniform_", "normal_", "ones_", "zeros_")
    saved = {n: getattr(nn.init, n) for n in names}
    try:
        for n in names:
            setattr(nn.init, n, lambda tensor, *a, **kw: tensor)
        return SENet(arch, num_classes, **opts)
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)


def num_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_macs(model, h, w):
    """Multiply-adds of one h x w image: convolutions (including the SE fcs) and the classifier."""
    total = [0]

    def conv_hook(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m, inp, out):
        total[0] += m.in_features * m.out_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w))
    model.train(was_training)
    for hd in handles:
        hd.remove()
    return total[0]


if __name__ == "__main__":
    for a in ARCHS:
        m = build(a)
        print("%-22s %12d params" % (a, num_params(m)))
