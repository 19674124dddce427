"""Training and evaluation data: photos -> canonical crops -> arrays.

A data folder is an ImageFolder tree, ``<root>/<pattern>/<photo>``, with an
optional ``<root>/labels.csv`` (one row per sole: ``file`` relative to the
root, ``pattern``, ``side``, the seven zone levels named as `design.ZONES`,
the sole's box ``x0, y0, x1, y1`` in photo pixels and, from ``shoewear
synth``, ``field``: an image of the true wear under every sole pixel of the
photo, `synth.records.encode_field`). Every photo goes
through the same `load_image` + `find_soles` as at inference; found soles are
matched to label rows by box IoU. The shrunk crops of each photo are cached
(`crop_cache`: one set per pipeline source code, input size and channel
count, one file per photo path, size and mtime), so epochs and reruns
never redo segmentation.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import sys
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..contract import PATTERNS, ZONES
from ..errors import DatasetError
from .crop_cache import CACHE_FOLDER, cache_root, cache_set, photo_key, prune

#: Image files a data folder may hold.
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
)
#: Folders of a data root that are not classes (the generator's masks and wear fields, the cache).
IGNORED_FOLDERS: frozenset[str] = frozenset({"masks", "fields", CACHE_FOLDER})
LABELS_FILE = "labels.csv"
#: Found sole and label row must overlap at least this much (box IoU) to match.
MIN_MATCH_IOU = 0.3
_CACHE_FORMAT = 2
_PIPELINE_SOURCES = (
    "load.py", "segment/soles.py", "segment/config.py", "segment/runtime.py", "sole_shape.py",
    "align.py", "pipeline.py", "zones.py", "contract.py",
)


@dataclass(frozen=True)
class LabelRow:
    """One sole's truth from labels.csv (or from its folder when there is none)."""

    pattern: str
    side: str = "unknown"
    levels: tuple[float, ...] | None = None
    box: tuple[float, float, float, float] | None = None
    #: The photo's wear-field image, relative to the data root.
    field: str | None = None


@dataclass(frozen=True)
class PhotoItem:
    """A photo of the data folder with its label rows."""

    path: Path
    rel: str
    folder: str
    rows: tuple[LabelRow, ...]


@dataclass
class DataProblems:
    """What was skipped while reading a data folder, for one summary at the end."""

    unreadable: list[str] = field(default_factory=list)
    no_sole: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)
    empty_classes: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)
    #: Labelled soles (label rows, or one per photo without labels.csv) not found.
    missed: int = 0

    def lines(self) -> list[str]:
        """One human line per kind of problem (empty when all went well)."""
        out = []
        for name, items, what in (
            ("unknown_folders", self.unknown_folders, "folders not named after a pattern"),
            ("empty_classes", self.empty_classes, "class folders without photos"),
            ("bad_rows", self.bad_rows, "labels.csv rows skipped"),
            ("unreadable", self.unreadable, "unreadable images"),
            ("no_sole", self.no_sole, "photos with no sole found"),
            ("unmatched", self.unmatched, "labelled soles not found in their photo"),
            ("failed", self.failed, "photos that failed in the pipeline"),
        ):
            del name
            if items:
                shown = ", ".join(items[:3]) + (", ..." if len(items) > 3 else "")
                out.append(f"{len(items)} {what}: {shown}")
        return out

    def to_json(self) -> dict[str, int]:
        return {k: v if isinstance(v, int) else len(v) for k, v in self.__dict__.items()}


@dataclass
class SoleSet:
    """Prepared soles of a data folder, as arrays (N soles).

    Attributes
    ----------
    small : (N, h, w, C) uint8 ndarray
        Shrunk canonical crops (RGB + mask coverage, + tread-detail bands
        when C > 4), `preprocess.shrink_sole`.
    weights : (N, 7, mh, mw) float16 ndarray
        Zone weights at wear-map resolution, `preprocess.zone_weights`.
    labels : (N,) int64 ndarray
        Index into `design.PATTERNS`.
    levels : (N, 7) float32 ndarray
        Zone wear levels from labels.csv; NaN where unknown.
    dense : (N, 2, mh, mw) float16 ndarray
        True wear per wear-map cell, `preprocess.dense_target`: (wear x
        weight, weight); all 0 where the data has no wear fields.
    side_true, side_found : (N,) str ndarrays
        Side from labels.csv ("unknown" when absent) and from the pipeline.
    photo : (N,) int64 ndarray
        Index of the sole's photo in `files`.
    files : list of str
        Photo paths relative to the root.
    problems : DataProblems
    """

    small: np.ndarray
    weights: np.ndarray
    labels: np.ndarray
    levels: np.ndarray
    dense: np.ndarray
    side_true: np.ndarray
    side_found: np.ndarray
    photo: np.ndarray
    files: list[str]
    problems: DataProblems

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray) -> SoleSet:
        """The soles at `index` (same files and problems)."""
        return SoleSet(
            small=self.small[index],
            weights=self.weights[index],
            labels=self.labels[index],
            levels=self.levels[index],
            dense=self.dense[index],
            side_true=self.side_true[index],
            side_found=self.side_found[index],
            photo=self.photo[index],
            files=self.files,
            problems=self.problems,
        )


def pipeline_version() -> str:
    """A short hash of the source of every stage a crop goes through and of the segmenter."""
    from ..models import shipped

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha1(f"cache{_CACHE_FORMAT}".encode())
    for name in _PIPELINE_SOURCES:
        p = root / name
        h.update(name.encode())
        if p.is_file():
            h.update(p.read_bytes())
    h.update(shipped("segmenter").sha256.encode())
    return h.hexdigest()[:12]


def _parse_row(raw: dict[str, str], problems: DataProblems, where: str) -> LabelRow | None:
    pattern = (raw.get("pattern") or "").strip()
    if pattern not in PATTERNS:
        problems.bad_rows.append(f"{where} (pattern {pattern!r})")
        return None
    side = (raw.get("side") or "unknown").strip() or "unknown"
    if side not in ("left", "right", "unknown"):
        side = "unknown"
    levels = None
    if all((raw.get(z) or "").strip() for z in ZONES):
        try:
            levels = tuple(float(raw[z]) for z in ZONES)
        except ValueError:
            problems.bad_rows.append(f"{where} (zone levels)")
            return None
        if not all(math.isfinite(v) for v in levels):
            levels = None
    box = None
    if all((raw.get(k) or "").strip() for k in ("x0", "y0", "x1", "y1")):
        try:
            box = tuple(float(raw[k]) for k in ("x0", "y0", "x1", "y1"))
        except ValueError:
            box = None
    field = (raw.get("field") or "").strip().replace("\\", "/") or None
    return LabelRow(pattern=pattern, side=side, levels=levels, box=box,  # type: ignore[arg-type]
                    field=field)


def _read_labels(root: Path, problems: DataProblems) -> dict[str, list[LabelRow]]:
    path = root / LABELS_FILE
    if not path.is_file():
        return {}
    rows: dict[str, list[LabelRow]] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                raise DatasetError(f"{path}: labels.csv needs a 'file' column")
            for i, raw in enumerate(reader, start=2):
                rel = (raw.get("file") or "").strip().replace("\\", "/")
                row = _parse_row(raw, problems, f"{LABELS_FILE}:{i}")
                if rel and row is not None:
                    rows.setdefault(rel, []).append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read labels.csv ({exc})") from None
    return rows


def scan_folder(root: str | Path) -> tuple[list[PhotoItem], DataProblems]:
    """List the photos of an ImageFolder tree with their label rows.

    Raises
    ------
    DatasetError
        When `root` is not a folder or holds no photo in any pattern folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such data folder")
    problems = DataProblems()
    labels = _read_labels(root, problems)
    items: list[PhotoItem] = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if sub.name in IGNORED_FOLDERS or sub.name.startswith("."):
            continue
        files = sorted(
            p for p in sub.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
        )
        if sub.name not in PATTERNS:
            problems.unknown_folders.append(f"{sub.name}/ ({len(files)} photos)")
            continue
        if not files:
            problems.empty_classes.append(f"{sub.name}/")
            continue
        for path in files:
            rel = path.relative_to(root).as_posix()
            rows = labels.get(rel) or labels.get(path.name) or []
            if not rows:
                rows = [LabelRow(pattern=sub.name)]
            items.append(PhotoItem(path=path, rel=rel, folder=sub.name, rows=tuple(rows)))
    if not items:
        raise DatasetError(
            f"{root}: no photos found; expected an ImageFolder tree <root>/<pattern>/*.jpg "
            f"with patterns {', '.join(PATTERNS)}"
        )
    return items, problems


def _read_field(path: str, shape: tuple[int, int]) -> np.ndarray | None:
    """A photo's wear-field codes, or None when absent, unreadable or not the photo's size."""
    import cv2

    if not path:
        return None
    code = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if code is None or code.dtype != np.uint8 or code.shape != shape:
        return None
    return code


def _canon_dense(code: np.ndarray | None, canon, map_size: tuple[int, int]) -> np.ndarray:
    """`preprocess.dense_target` of one found sole, from its photo's field codes."""
    import cv2

    from ..contract import CANON_SHAPE
    from ..synth.records import decode_field
    from ..wear.preprocess import dense_target

    if code is None:
        return np.zeros((2, *map_size), np.float32)
    h, w = CANON_SHAPE
    # to_photo maps canonical pixels to photo pixels: the inverse warp samples the codes.
    canon_code = cv2.warpAffine(code, canon.to_photo[:2], (w, h),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    wear, known = decode_field(canon_code)
    return dense_target(wear, known, canon.mask, map_size=map_size)


_MODELS: list = []


def _segmenter_only():
    """The shipped segmenter without a wear model, opened once per process."""
    if not _MODELS:
        from ..pipeline import Models

        _MODELS.append(Models.load(with_wear=False, threads=1))
    return _MODELS[0]


def _prep_photo(job: tuple[str, str, tuple[int, int], tuple[int, int], int, str]) -> dict:
    """Worker: load, find soles, shrink; write the cache file; return its path."""
    import cv2

    from ..errors import ImageLoadError, NoSoleFoundError, ShoewearError
    from ..pipeline import analyze
    from ..wear.preprocess import shrink_sole, zone_weights

    cv2.setNumThreads(1)
    path, cache_file, size, map_size, detail, field_path = job
    out: dict = {"status": "ok", "message": ""}
    small, weights, dense, sides, boxes = [], [], [], [], []
    try:
        found = analyze(path, _segmenter_only())
        if found.error is not None:
            raise found.error
        image, canons = found.image, found.soles
        if not canons:
            raise NoSoleFoundError("no sole found")
        code = _read_field(field_path, image.original_size[::-1])
        for c in canons:
            small.append(shrink_sole(c.image, c.mask, size=size, detail=detail))
            weights.append(zone_weights(c.zones, map_size=map_size).astype(np.float16))
            dense.append(_canon_dense(code, c, map_size).astype(np.float16))
            sides.append(c.side)
            boxes.append(c.box)
    except ImageLoadError as exc:
        out = {"status": "unreadable", "message": str(exc)}
    except NoSoleFoundError as exc:
        out = {"status": "no_sole", "message": str(exc)}
    except ShoewearError as exc:
        out = {"status": "failed", "message": str(exc)}
    except Exception as exc:  # a pipeline bug on one photo must not stop a long run
        out = {"status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    h, w = size
    mh, mw = map_size
    arrays = {
        "small": np.stack(small) if small else np.zeros((0, h, w, 4 + detail), np.uint8),
        "weights": np.stack(weights) if weights else np.zeros((0, 7, mh, mw), np.float16),
        "dense": np.stack(dense) if dense else np.zeros((0, 2, mh, mw), np.float16),
        "sides": np.array(sides, dtype="<U8"),
        "boxes": np.array(boxes, dtype=np.float64).reshape(-1, 4),
        "status": np.array(out["status"]),
        "message": np.array(out["message"]),
    }
    tmp = f"{cache_file}.tmp{os.getpid()}.npz"
    np.savez(tmp, **arrays)  # uncompressed: a tenth of the CPU time, twice the bytes
    os.replace(tmp, cache_file)
    return out


def _field_path(root: Path, item: PhotoItem) -> str:
    """The photo's wear-field image named by its label rows ("" when none)."""
    rel = next((r.field for r in item.rows if r.field), None)
    return str(root / rel) if rel else ""


def _read_cache(cache_file: Path) -> dict | None:
    try:
        with np.load(cache_file, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError, EOFError, zlib.error):
        return None


def _iou(a: Iterable[float], b: Iterable[float]) -> float:
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = b
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def match_rows(
    boxes: np.ndarray, sides: np.ndarray, rows: tuple[LabelRow, ...]
) -> list[tuple[int, LabelRow]]:
    """Pair found soles with label rows.

    Rows with boxes are matched greedily by IoU (at least `MIN_MATCH_IOU`);
    rows without boxes are matched by count: one row labels every sole of
    its photo (e.g. a pair with one pattern), n rows for n soles go left to
    right.

    Returns
    -------
    list of (int, LabelRow)
        Index of the found sole and its row.
    """
    n = len(boxes)
    if n == 0 or not rows:
        return []
    if all(r.box is not None for r in rows):
        pairs = sorted(
            ((_iou(boxes[i], r.box), i, j) for i in range(n) for j, r in enumerate(rows)),
            reverse=True,
        )
        used_i, used_j, out = set(), set(), []
        for iou, i, j in pairs:
            if iou < MIN_MATCH_IOU:
                break
            if i in used_i or j in used_j:
                continue
            used_i.add(i)
            used_j.add(j)
            out.append((i, rows[j]))
        return sorted(out, key=lambda t: t[0])
    if len(rows) == 1:
        return [(i, rows[0]) for i in range(n)]
    if len(rows) == n:
        return list(enumerate(rows))
    return []


def prepare_soles(
    root: str | Path,
    *,
    input_size: tuple[int, int],
    map_size: tuple[int, int],
    detail: int = 0,
    workers: int = 2,
    progress: bool = True,
) -> SoleSet:
    """Run every photo of a data folder through the pipeline (cached) into arrays.

    Parameters
    ----------
    root : str or Path
        ImageFolder tree, optionally with labels.csv.
    input_size, map_size : (int, int)
        The model's input and wear-map sizes (part of the cache key).
    detail : int
        Tread-detail channels the crops carry (`ModelConfig.detail`; part of
        the cache key).
    workers : int
        Processes preparing uncached photos.
    progress : bool
        Show a tqdm bar on stderr.

    Returns
    -------
    SoleSet
        The labelled soles found; what was skipped is in ``problems``.

    Raises
    ------
    DatasetError
        When the folder is unusable or no labelled sole was found at all.
    """
    from tqdm import tqdm

    root = Path(root)
    items, problems = scan_folder(root)
    cache = cache_root(root)
    size, msize = tuple(input_size), tuple(map_size)
    folder = cache_set(cache, pipeline_version(), size, msize, 4 + detail)
    removed, nbytes = prune(cache, keep=folder)
    if removed and progress:
        print(f"removed {removed} cached crops of other pipeline versions or crop formats "
              f"from {cache} ({nbytes / 2**20:.0f} MiB)", file=sys.stderr)
    files = [folder / f"{photo_key(it.path, it.rel)}.npz" for it in items]
    fields = [_field_path(root, it) for it in items]
    todo = [
        (str(it.path), str(f), size, msize, detail, fp)
        for it, f, fp in zip(items, files, fields, strict=True)
        if not f.is_file()
    ]
    if todo:
        bar = tqdm(
            total=len(todo),
            desc="preparing crops",
            unit="photo",
            disable=not progress,
            dynamic_ncols=True,
        )
        if workers > 1 and len(todo) > 1:
            import multiprocessing as mp

            ctx = mp.get_context("spawn")
            with ctx.Pool(workers) as pool:
                for _ in pool.imap_unordered(_prep_photo, todo, chunksize=4):
                    bar.update()
        else:
            for job in todo:
                _prep_photo(job)
                bar.update()
        bar.close()

    small, weights, dense, labels, levels = [], [], [], [], []
    side_true, side_found, photo = [], [], []
    for k, (it, f) in enumerate(zip(items, files, strict=True)):
        data = _read_cache(f)
        if data is None:  # a damaged cache file: prepare that photo again
            _prep_photo((str(it.path), str(f), size, msize, detail, fields[k]))
            data = _read_cache(f)
        if data is None:
            problems.failed.append(f"{it.rel} (cache)")
            continue
        status = str(data["status"])
        if status != "ok":
            getattr(problems, status, problems.failed).append(it.rel)
            problems.missed += len(it.rows)
            continue
        matches = match_rows(data["boxes"], data["sides"], it.rows)
        if len(matches) < len(it.rows):
            problems.missed += len(it.rows) - len(matches)
            problems.unmatched.append(f"{it.rel} ({len(it.rows) - len(matches)} of {len(it.rows)})")
        for i, row in matches:
            small.append(data["small"][i])
            weights.append(data["weights"][i])
            dense.append(data["dense"][i])
            labels.append(PATTERNS.index(row.pattern))
            levels.append(row.levels if row.levels is not None else (np.nan,) * len(ZONES))
            side_true.append(row.side)
            side_found.append(str(data["sides"][i]))
            photo.append(k)
    if not labels:
        lines = "; ".join(problems.lines()) or "nothing usable"
        raise DatasetError(f"{root}: no labelled sole could be prepared ({lines})")
    return SoleSet(
        small=np.stack(small),
        weights=np.stack(weights),
        labels=np.array(labels, dtype=np.int64),
        levels=np.array(levels, dtype=np.float32),
        dense=np.stack(dense),
        side_true=np.array(side_true),
        side_found=np.array(side_found),
        photo=np.array(photo, dtype=np.int64),
        files=[it.rel for it in items],
        problems=problems,
    )


def class_counts(labels: np.ndarray) -> dict[str, int]:
    """Soles per pattern, in `design.PATTERNS` order."""
    counts = Counter(int(v) for v in labels)
    return {name: counts.get(i, 0) for i, name in enumerate(PATTERNS)}


def stratified_split(
    labels: np.ndarray, photo: np.ndarray, *, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split soles into train and validation, by photo, stratified by pattern.

    Both soles of a pair stay on the same side of the split. Each pattern with
    at least two photos puts about `fraction` of them (at least one) into
    validation.

    Returns
    -------
    train, val : int64 ndarrays
        Sole indices.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must lie in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    first_label: dict[int, int] = {}
    for lab, ph in zip(labels.tolist(), photo.tolist(), strict=True):
        first_label.setdefault(ph, lab)
    val_photos: set[int] = set()
    if fraction > 0:
        for cls in sorted(set(first_label.values())):
            photos = np.array(sorted(p for p, lab in first_label.items() if lab == cls))
            if len(photos) < 2:
                continue
            k = max(1, int(round(fraction * len(photos))))
            val_photos.update(rng.choice(photos, size=k, replace=False).tolist())
    is_val = np.array([p in val_photos for p in photo.tolist()], dtype=bool)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)
