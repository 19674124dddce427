"""The wear CNN (torch): pattern logits and a dense wear map from a canonical sole."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..wear.config import ModelConfig

#: Typical spread of the detail channel (in [0, 1]); dividing by it puts the
#: channel on the scale of the normalised colours.
DETAIL_STD = 0.15


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class WearNet(nn.Module):
    """Small CNN reading a shrunk canonical sole.

    Input ``(B, C, H, W)`` float in [0, 1] (RGB + mask coverage, and the
    tread detail with ``config.detail``; `preprocess.to_network_input`) and,
    with ``config.zone_inputs``, the zone weights ``(B, 7, H/4, W/4)``
    (`preprocess.zone_weights`); outputs pattern logits ``(B, 7)`` and a wear
    map ``(B, H/4, W/4)`` in [0, 1]. The classifier sees the stage-3 features
    flattened (so it knows *where* wear is, not only that it is there) and the
    wear map itself, pooled.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        w0, w1, w2, w3 = config.widths
        self.register_buffer("mean", torch.tensor(config.mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(config.std).view(1, 3, 1, 1))
        # The plain input step as one affine map per channel, then the mask:
        # ((x - mean) / std, 1, detail / DETAIL_STD) * alpha.
        scale = [1.0 / s for s in config.std] + [0.0] + [1.0 / DETAIL_STD] * config.detail
        shift = [-m / s for m, s in zip(config.mean, config.std, strict=True)]
        shift += [1.0] + [0.0] * config.detail
        self.register_buffer("in_scale", torch.tensor(scale).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("in_shift", torch.tensor(shift).view(1, -1, 1, 1), persistent=False)
        cin = (7 if config.sole_norm else 4) + config.detail
        self.stem = _conv(cin, w0, 2)  # H/2
        self.stage1 = nn.Sequential(_conv(w0, w1, 2), _conv(w1, w1, 1))  # H/4
        self.stage2 = nn.Sequential(_conv(w1, w2, 2), _conv(w2, w2, 1))  # H/8
        self.stage3 = nn.Sequential(_conv(w2, w3, 2), _conv(w3, w3, 1))  # H/16
        self.lat2 = nn.Conv2d(w2, w1, 1)
        self.lat3 = nn.Conv2d(w3, w1, 1)
        self.map_head = nn.Sequential(_conv(w1, w1, 1), nn.Conv2d(w1, 1, 1))
        h, w = config.input_size
        squeeze = 16
        self.squeeze = nn.Sequential(nn.Conv2d(w3, squeeze, 1), nn.ReLU(inplace=True))
        n_flat = squeeze * (h // 16) * (w // 16) + (h // 16) * (w // 16)
        if config.zone_inputs:
            n_flat += len(config.zones)
        self.classifier = nn.Sequential(
            nn.Linear(n_flat, config.head_width),
            nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.head_width, len(config.classes)),
        )

    def forward(
        self, x: torch.Tensor, zones: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.config.sole_norm:
            x = self._sole_norm_input(x)
        else:  # rgb normalised, the mask, the detail: all masked, in two passes
            alpha = x[:, 3:4]  # (B, 1, H, W) mask coverage
            x = torch.addcmul(self.in_shift, x[:, : self.in_scale.shape[1]], self.in_scale) * alpha
        f0 = self.stem(x)  # (B, w0, H/2, W/2)
        f1 = self.stage1(f0)  # (B, w1, H/4, W/4)
        f2 = self.stage2(f1)  # (B, w2, H/8, W/8)
        f3 = self.stage3(f2)  # (B, w3, H/16, W/16)
        up2 = F.interpolate(self.lat2(f2), scale_factor=2.0, mode="nearest")
        up3 = F.interpolate(self.lat3(f3), scale_factor=4.0, mode="nearest")
        wear = torch.sigmoid(self.map_head(F.relu(f1 + up2 + up3)))  # (B, 1, H/4, W/4)
        pooled = F.avg_pool2d(wear, 4)  # (B, 1, H/16, W/16)
        feats = [self.squeeze(f3).flatten(1), pooled.flatten(1)]
        if self.config.zone_inputs:
            if zones is None:
                raise ValueError("this network needs the zone weights as its second input")
            feats.append(zone_levels_torch(wear[:, 0], zones))  # (B, 7)
        feats = torch.cat(feats, dim=1)
        logits = self.classifier(feats)  # (B, 7)
        return logits, wear[:, 0]

    def _sole_norm_input(self, x: torch.Tensor) -> torch.Tensor:
        """The input with the colours relative to the sole's own mean and spread added."""
        rgb = (x[:, :3] - self.mean) / self.std  # (B, 3, H, W)
        alpha = x[:, 3:4]  # (B, 1, H, W)
        area = alpha.sum(dim=(2, 3), keepdim=True) + 1e-3
        mean = (rgb * alpha).sum(dim=(2, 3), keepdim=True) / area  # (B, 3, 1, 1)
        var = ((rgb - mean) ** 2 * alpha).sum(dim=(2, 3), keepdim=True) / area
        parts = [rgb * alpha, (rgb - mean) / torch.sqrt(var + 1e-2) * alpha, alpha]
        if self.config.detail:
            parts.append(x[:, 4 : 4 + self.config.detail] * (alpha / DETAIL_STD))
        return torch.cat(parts, dim=1)


class WearEnsemble(nn.Module):
    """`config.members` WearNets read as one model.

    Same inputs and outputs as `WearNet`: the logits are the log of the
    members' mean probabilities (so a softmax gives that mean) and the wear
    map is the members' mean map. Each member is trained on its own
    (`members.train_members`); ``members[k]`` holds the ``k``-th.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        single = config.replace(members=1)
        self.members = nn.ModuleList(WearNet(single) for _ in range(config.members))

    def forward(
        self, x: torch.Tensor, zones: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        outs = [m(x, zones) for m in self.members]
        probs = torch.stack([torch.softmax(logits, dim=1) for logits, _ in outs]).mean(0)
        wear = torch.stack([w for _, w in outs]).mean(0)
        return torch.log(probs.clamp_min(1e-30)), wear


def build_net(config: ModelConfig) -> WearNet | WearEnsemble:
    """The network `config` describes: one WearNet, or an ensemble of `config.members`."""
    return WearNet(config) if config.members == 1 else WearEnsemble(config)


def zone_levels_torch(maps: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Differentiable twin of `preprocess.zone_levels`: (B, h, w), (B, 7, h, w) -> (B, 7)."""
    sums = torch.einsum("bzhw,bhw->bz", weights, maps)
    counts = weights.sum(dim=(2, 3))
    return torch.where(counts > 0, sums / counts.clamp_min(1e-6), torch.zeros_like(sums))


def count_parameters(net: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)
