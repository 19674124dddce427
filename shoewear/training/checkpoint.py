"""Save and load the network as safetensors with its JSON config (no pickle)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import ModelError
from ..wear.config import CONFIG_KEY, ModelConfig
from .wear_net import WearEnsemble, WearNet, build_net

_HASH_KEY = "shoewear_sha256"


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_tensors(
    path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]
) -> None:
    """Write tensors and string metadata atomically (temp file + `os.replace`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    meta = dict(metadata)
    meta[_HASH_KEY] = _digest(tensors)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        save_file(tensors, str(tmp), metadata=meta)
        os.chmod(tmp, 0o666 & ~_umask())  # safetensors writes the file private (0600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_tensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read a file written by `save_tensors`, checking its digest.

    Raises
    ------
    ModelError
        When the file is missing, truncated, or its tensors were altered.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"no model file at {path}: train one, or name an existing file")
    try:
        tensors = load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            meta = dict(fh.metadata() or {})
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{path}: not a readable safetensors file ({exc})") from None
    if meta.get(_HASH_KEY) != _digest(tensors):
        raise ModelError(f"{path}: checksum mismatch, the file was altered or damaged")
    return tensors, meta


def save_checkpoint(path: str | Path, net: WearNet | WearEnsemble, config: ModelConfig) -> None:
    """Write the network's weights with `config` as JSON metadata, atomically."""
    save_tensors(path, dict(net.state_dict()), {CONFIG_KEY: config.to_json()})


def load_checkpoint(path: str | Path) -> tuple[WearNet | WearEnsemble, ModelConfig]:
    """Rebuild a network from a checkpoint alone.

    Returns
    -------
    net : WearNet or WearEnsemble
        In eval mode.
    config : ModelConfig
        The config stored in the file.

    Raises
    ------
    ModelError
        Missing or damaged file, wrong version or classes, weights not fitting.
    """
    tensors, meta = load_tensors(path)
    if CONFIG_KEY not in meta:
        raise ModelError(f"{path}: no shoewear config in the file's metadata")
    config = ModelConfig.from_json(meta[CONFIG_KEY], source=str(path))
    net = build_net(config)
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ModelError(f"{path}: weights do not fit the config ({first})") from None
    net.eval()
    return net, config
