"""The arithmetic of training steps: float32, or bfloat16 where the CPU has it natively.

Convolutions in bfloat16 (weights, batch-norm statistics, losses and the
optimiser stay float32) take about half the time of float32 ones on CPUs
with AMX or AVX-512 BF16; elsewhere bfloat16 is emulated and slower, so
``auto`` picks it only where it is native. bfloat16 steps also keep the
network channels-last (faster still; the wear CNN's batches enter
channels-first, its input step is faster so, and its first convolution
writes channels-last); float32 steps keep the plain layout.
Inference (validation, ONNX export, `shoewear analyze`) is always float32.
"""

from __future__ import annotations

import contextlib

import torch

from ..errors import UsageError

#: What ``--precision`` accepts.
PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16() -> bool:
    """Whether this CPU runs bfloat16 matrix arithmetic natively (AMX or AVX-512 BF16)."""
    cpu = torch.cpu
    try:
        return bool(cpu._is_amx_tile_supported() or cpu._is_avx512_bf16_supported())
    except AttributeError:  # a torch without these probes
        return False


def resolve_precision(precision: str) -> str:
    """``fp32`` or ``bf16`` for a precision asked for (``auto`` chooses).

    Raises
    ------
    UsageError
        For a value not in `PRECISIONS`.
    """
    if precision not in PRECISIONS:
        raise UsageError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def memory_format(precision: str) -> torch.memory_format:
    """Layout of the network and batches for steps at `precision`."""
    return torch.channels_last if precision == "bf16" else torch.contiguous_format


def autocast(precision: str, device: str = "cpu") -> contextlib.AbstractContextManager:
    """Context in which a forward pass on `device` runs at `precision` (``fp32`` or ``bf16``)."""
    kind = torch.device(device).type
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=precision == "bf16")
