"""Where the canonical crops of a data folder are cached, and clearing out old ones.

The crops of ``<root>`` live in ``<root>/.shoewear-cache/<set>/<key>.npz``
(or under ``$XDG_CACHE_HOME/shoewear`` when the data folder is read-only).
A *set* holds the crops of one pipeline version at one input and wear-map
size and channel count; a *key* names one photo by its path, size and mtime. When the
pipeline changes, its new set starts empty, and the sets not used lately
are deleted so that they do not pile up: the cache only ever holds
derived data, so deleting it costs time, never information.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

#: The cache folder inside a data folder.
CACHE_FOLDER = ".shoewear-cache"
#: Sets kept in a cache: the one in use and the most recently used others
#: (e.g. that of a model with another input size).
KEEP_SETS = 2
#: File whose mtime says when a set was last used (a folder's own mtime
#: changes whenever a file in it is written or deleted).
_USED = ".used"


def cache_root(root: Path) -> Path:
    """The cache folder of data folder `root` (created; a user cache if `root` is read-only)."""
    cache = root / CACHE_FOLDER
    try:
        cache.mkdir(exist_ok=True)
        if os.access(cache, os.W_OK):
            return cache
    except OSError:
        pass
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]
    cache = base / "shoewear" / digest
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def cache_set(cache: Path, version: str, size: tuple[int, int], map_size: tuple[int, int],
              channels: int = 4) -> Path:
    """The folder of one set (created), marked as just used.

    Crops with tread-detail channels (``channels`` > 4) get their own set.
    """
    extra = "" if channels == 4 else f"-c{channels}"
    folder = cache / f"{version}-{size[0]}x{size[1]}-{map_size[0]}x{map_size[1]}{extra}"
    folder.mkdir(exist_ok=True)
    (folder / _USED).touch()
    return folder


def _last_used(folder: Path) -> float:
    try:
        return (folder / _USED).stat().st_mtime
    except OSError:  # not a set, or one from before markers: oldest
        return 0.0


def photo_key(path: Path, rel: str) -> str:
    """File name stem of one photo's crops: its path in the data folder, size and mtime."""
    st = path.stat()
    return hashlib.sha1(f"{rel}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()


def prune(cache: Path, keep: Path) -> tuple[int, int]:
    """Delete the crops of old sets from `cache`, never those of `keep`.

    Kept: `keep` and the ``KEEP_SETS - 1`` most recently used other sets.
    Deleted: the ``.npz`` files of the other sets (and their folders once
    empty), and those lying loose in `cache` itself (where earlier
    versions of shoewear kept all crops). Nothing but ``.npz`` files and
    the sets' use markers is ever deleted.

    Returns
    -------
    files, nbytes : int
        How many crop files were deleted and their size.
    """
    others = sorted(
        (d for d in cache.iterdir() if d.is_dir() and d != keep),
        key=_last_used,
        reverse=True,
    )
    old = others[KEEP_SETS - 1 :]
    files, nbytes = 0, 0
    for folder in [cache, *old]:
        for f in folder.glob("*.npz"):
            try:
                size = f.stat().st_size
                f.unlink()
            except OSError:  # gone already, or not ours to delete
                continue
            files, nbytes = files + 1, nbytes + size
    for folder in old:
        with contextlib.suppress(OSError):  # something other than crops in it: leave it
            (folder / _USED).unlink(missing_ok=True)
            folder.rmdir()
    return files, nbytes
