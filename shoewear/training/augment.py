"""Training augmentation of the wear CNN's batches (torch): photos differ, soles do not flip."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

#: Noise fields in a bank (`noise_bank`); with a random sign, twice as many draws.
NOISE_BANK_SIZE = 256


def noise_bank(gen: torch.Generator, shape: tuple[int, int, int], size: int = NOISE_BANK_SIZE
               ) -> torch.Tensor:
    """`size` standard normal noise fields of `shape` (C, H, W), drawn once for many batches.

    Drawing fresh Gaussian noise for every batch is the dearest step of the
    augmentation (about a tenth of a training step on one thread); picking a
    field from a bank, with a random sign and strength, costs a copy.
    """
    return torch.randn((size, *shape), generator=gen)


def augment(
    x: torch.Tensor,
    weights: torch.Tensor,
    gen: torch.Generator,
    noise: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomly perturb a batch of inputs the way photos differ.

    Colour (brightness, contrast, saturation, white balance), a small affine
    warp applied to image, mask and maps alike, blur and noise. No
    flips: medial/lateral and heel/toe are what the model must tell apart.

    Parameters
    ----------
    x : (B, C, H, W) float tensor
        RGB + mask (+ tread detail) in [0, 1]. The detail channels follow
        brightness and contrast (they are grey-level differences), the warp and
        the blur; noise goes on the colours only.
    weights : (B, K, h, w) float tensor
        Maps at the wear map's size that move with the sole: the zone
        weights, and the dense wear targets when there are any.
    gen : torch.Generator
    noise : (K, 3, H, W) float tensor or None
        A `noise_bank`: each sole gets one of its fields, with a random sign
        and strength. None draws fresh noise for the batch.

    Returns
    -------
    x, weights
        Augmented copies.
    """
    b = x.shape[0]

    def u(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, *shape, generator=gen)

    rgb, alpha, fine = x[:, :3], x[:, 3:4], x[:, 4:]
    gray = rgb.mean(dim=1, keepdim=True)
    # Mild: worn rubber fades towards a dusty grey, so a sole's own contrast and
    # saturation are part of what tells light, even wear from none.
    saturation = u(0.85, 1.15, 1, 1, 1)
    # Saturation keeps the grey level, so the sole's mean grey is the mean of `gray`.
    mean = (gray * alpha).sum(dim=(1, 2, 3), keepdim=True) / (
        alpha.sum(dim=(1, 2, 3), keepdim=True) + 1e-6 / 3
    )
    contrast = u(0.85, 1.15, 1, 1, 1)
    brightness = u(0.8, 1.2, 1, 1, 1)
    gain = brightness * u(0.95, 1.05, 3, 1, 1)  # white balance
    offset = u(-0.05, 0.05, 1, 1, 1)
    # saturation, contrast, brightness, white balance and offset in one affine map:
    # gain * (mean + contrast * (gray + saturation * (rgb - gray) - mean)) + offset
    stretch = gain * contrast
    img = torch.empty_like(x)
    torch.mul(rgb, stretch * saturation, out=img[:, :3])
    img[:, :3].addcmul_(gray, stretch * (1 - saturation))
    img[:, :3].add_(gain * mean * (1 - contrast) + offset)
    img[:, 3:4] = alpha
    if fine.shape[1]:  # tread detail is a grey-level difference: it scales with both
        torch.mul(fine, contrast * brightness, out=img[:, 4:]).clamp_(0, 1)

    img, weights = random_warp(img, weights, u)

    blur = torch.nonzero(torch.rand(b, generator=gen) < 0.3).flatten()
    if len(blur):
        img[blur] = _blur3(img[blur])
    if noise is None:
        field, sign = torch.randn((b, 3, *img.shape[2:]), generator=gen), 1
    else:
        field = noise[torch.randint(len(noise), (b,), generator=gen)]
        sign = torch.randint(2, (b, 1, 1, 1), generator=gen) * 2 - 1
    img[:, :3].addcmul_(field, u(0.0, 0.04, 1, 1, 1) * sign).clamp_(0, 1)
    return img, weights


def random_warp(
    img: torch.Tensor, weights: torch.Tensor, u: Callable[..., torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """A small random affine warp (rotation, scale, aspect, shift) of a batch and its maps.

    `u(lo, hi)` draws one uniform value per sole; the draws are made in a fixed
    order, so the same generator gives the same warps.
    """
    angle = u(-4.0, 4.0) * math.pi / 180.0
    scale = u(0.94, 1.06)
    aspect = u(0.95, 1.05)
    tx, ty = u(-0.04, 0.04), u(-0.03, 0.03)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * aspect, -sin, tx], dim=1),
            torch.stack([sin * aspect, cos, ty], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    img = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    wgrid = F.affine_grid(theta, list(weights.shape), align_corners=False)
    weights = F.grid_sample(weights, wgrid, mode="bilinear", align_corners=False)
    return img, weights


def _blur3(img: torch.Tensor) -> torch.Tensor:
    """The 3 x 3 binomial blur ([1, 2, 1] / 4 each way), edges replicated."""
    p = F.pad(img, (1, 1, 1, 1), mode="replicate")
    rows = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]
    return (rows[..., :-2] + 2 * rows[..., 1:-1] + rows[..., 2:]) * (1 / 16)
