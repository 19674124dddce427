"""The sole segmenter (torch): a small encoder-decoder giving sole and core logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..segment.config import SEG_CHANNELS, SegConfig


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SoleSegNet(nn.Module):
    """Encoder at strides 2-32, a light top-down decoder back to stride 2.

    Input ``(B, 3, H, W)`` float in [0, 1] with H and W multiples of 32;
    output ``(B, 2, H, W)`` logits (`seg_config.SEG_CHANNELS`): the decoder
    works at stride 2 and the logits are enlarged bilinearly, so edges fall
    between pixels. The deepest stage uses dilated convolutions: telling a
    sole from a hand or a shoe's side wall needs the whole shape in view.
    """

    def __init__(self, config: SegConfig) -> None:
        super().__init__()
        self.config = config
        w = config.widths
        d = config.decoder_width
        self.register_buffer("mean", torch.tensor(config.mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(config.std).view(1, 3, 1, 1))
        self.enc = nn.ModuleList([
            nn.Sequential(_conv(3, w[0], 2), _conv(w[0], w[0])),  # /2
            nn.Sequential(_conv(w[0], w[1], 2), _conv(w[1], w[1])),  # /4
            nn.Sequential(_conv(w[1], w[2], 2), _conv(w[2], w[2])),  # /8
            nn.Sequential(_conv(w[2], w[3], 2), _conv(w[3], w[3])),  # /16
            nn.Sequential(_conv(w[3], w[4], 2), _conv(w[4], w[4], dilation=2)),  # /32
        ])
        self.lat = nn.ModuleList([nn.Conv2d(c, d, 1) for c in w[1:]])
        self.smooth8 = _conv(d, d)
        self.smooth4 = _conv(d, d)
        self.fine = nn.Conv2d(d, w[0], 1)
        self.smooth2 = _conv(w[0], w[0])
        self.head = nn.Conv2d(w[0], len(SEG_CHANNELS), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std  # (B, 3, H, W)
        feats = []
        for stage in self.enc:
            x = stage(x)
            feats.append(x)  # strides 2, 4, 8, 16, 32
        top = self.lat[3](feats[4])  # (B, d, H/32, W/32)
        top = self.lat[2](feats[3]) + F.interpolate(top, scale_factor=2.0, mode="nearest")
        top = self.lat[1](feats[2]) + F.interpolate(top, scale_factor=2.0, mode="nearest")
        top = self.smooth8(top)  # (B, d, H/8, W/8)
        top = self.lat[0](feats[1]) + F.interpolate(top, scale_factor=2.0, mode="bilinear",
                                                    align_corners=False)
        top = self.smooth4(top)  # (B, d, H/4, W/4)
        top = feats[0] + F.interpolate(self.fine(top), scale_factor=2.0, mode="bilinear",
                                       align_corners=False)
        top = self.smooth2(top)  # (B, w0, H/2, W/2)
        logits = self.head(top)  # (B, 2, H/2, W/2)
        return F.interpolate(logits, scale_factor=2.0, mode="bilinear", align_corners=False)
