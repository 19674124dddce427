"""The networks shipped inside the package, and the one place that finds model files.

The shipped ONNX files are package data (found with `importlib.resources`),
so a wheel, an sdist and an editable install read with the same networks.
``manifest.json`` beside them records each file's sha256: a shipped file
that is missing, cut short or changed is refused with a line saying how to
mend the install, never replaced by something else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import ModelError

#: What `pip` reinstalls when a shipped file is broken.
REINSTALL = "reinstall shoewear (pip install --force-reinstall shoewear, or `make clean app`)"


@dataclass(frozen=True)
class ModelInfo:
    """Which network read a photo: its name, file and content hash.

    Attributes
    ----------
    name : str
        The shipped model's name, or the file name of a model passed in.
    path : Path
        The ONNX file.
    sha256 : str
        Hex digest of the file's bytes.
    shipped : bool
        True for a network that came with the package.
    """

    name: str
    path: Path
    sha256: str
    shipped: bool

    def to_json(self) -> dict:
        return {"name": self.name, "sha256": self.sha256}


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder() -> Path:
    """Where the shipped files lie (this package's folder, in any kind of install)."""
    return Path(str(resources.files(__name__)))


def _manifest() -> dict[str, dict]:
    try:
        text = (_folder() / "manifest.json").read_text(encoding="utf-8")
        return json.loads(text)["models"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"the shipped models' manifest cannot be read ({exc}): {REINSTALL}"
        ) from None


def shipped(kind: str) -> ModelInfo:
    """The shipped network of `kind`, checked against the manifest.

    Parameters
    ----------
    kind : {"segmenter", "wear"}

    Raises
    ------
    ModelError
        When the file is missing or its sha256 is not the recorded one.
    """
    entry = _manifest().get(kind)
    if entry is None:
        raise ModelError(f"no shipped {kind} model in the manifest: {REINSTALL}")
    path = _folder() / entry["file"]
    if not path.is_file():
        raise ModelError(f"the shipped {kind} model {path} is missing: {REINSTALL}")
    digest = file_sha256(path)
    if digest != entry["sha256"]:
        raise ModelError(
            f"the shipped {kind} model {path} is damaged or altered (sha256 {digest[:12]}..., "
            f"expected {entry['sha256'][:12]}...): {REINSTALL}"
        )
    return ModelInfo(name=entry["name"], path=path, sha256=digest, shipped=True)


def given(path: str | Path, *, what: str, inside: str) -> ModelInfo:
    """A model file the user names: an ONNX file, or a folder holding `inside`.

    Raises
    ------
    ModelError
        When nothing is there.
    """
    path = Path(path)
    if path.is_dir():
        path = path / inside
    if not path.is_file():
        raise ModelError(f"no {what} at {path}: give an ONNX file or the folder training wrote")
    return ModelInfo(name=path.name, path=path, sha256=file_sha256(path), shipped=False)


def locate(kind: str, path: str | Path | None, *, what: str, inside: str) -> ModelInfo:
    """The shipped network of `kind` when `path` is None, else the file the user names.

    Raises
    ------
    ModelError
        See `shipped` and `given`.
    """
    return shipped(kind) if path is None else given(path, what=what, inside=inside)
