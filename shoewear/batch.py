"""Read many photos: each job through `pipeline.analyze`, on a process pool or a Dask cluster.

The engine is `concurrent.futures` on one machine, or Dask distributed (the
``[cluster]`` extra) on a local cluster or a scheduler elsewhere. Each worker
process opens the networks once and keeps them; jobs and reports are plain
picklable records, and reports come back in the order of the jobs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ShoewearError, UsageError
from .report import PhotoReport

#: File name endings taken when a folder is walked.
IMAGE_SUFFIXES: tuple[str, ...] = (
    ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif",
)

#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 5


class ClusterError(ShoewearError):
    """The Dask scheduler cannot be reached, or Dask is not installed."""


@dataclass(frozen=True)
class ModelFiles:
    """Which networks the workers open (None: the shipped one); picklable."""

    segmenter: str | None = None
    wear: str | None = None


@dataclass(frozen=True)
class Job:
    """One photo to read and the files to write for it.

    Attributes
    ----------
    photo : str
        The photo file.
    side : str or None
        The side of a single sole when the user knows it.
    mask : str or None
        Where to write the outsole mask (0/255 PNG at the photo's size).
    overlay : str or None
        Where to write the photo with what was found drawn on it.
    """

    photo: str
    side: str | None = None
    mask: str | None = None
    overlay: str | None = None


def collect_photos(items: Sequence[str]) -> list[tuple[str, Path]]:
    """Photo files in order, each with the name its outputs are derived from.

    A folder is walked (sorted); its photos are named by their path inside
    it, so outputs mirror the folder's tree. A file given directly is named
    by its file name. A missing file is kept: its job reports the error.

    Returns
    -------
    list of (str, Path)
        The photo and its relative output name.
    """
    found: list[tuple[str, Path]] = []
    for item in items:
        root = Path(item)
        if root.is_dir():
            for q in sorted(root.rglob("*")):
                if q.suffix.lower() in IMAGE_SUFFIXES and q.is_file():
                    found.append((str(q), q.relative_to(root)))
        else:
            found.append((item, Path(root.name)))
    return found


def output_paths(
    named: Sequence[tuple[str, Path]], folder: str | os.PathLike, suffix: str
) -> list[str]:
    """``folder/<name without its ending><suffix>`` for each photo.

    Raises
    ------
    UsageError
        When two photos would write the same file (same name in the same
        place, such as ``a.jpg`` and ``a.png``, or two files given directly
        from different folders with one name).
    """
    seen: dict[Path, str] = {}
    out = []
    for photo, name in named:
        target = Path(folder) / name.parent / f"{name.stem}{suffix}"
        if target in seen:
            raise UsageError(
                f"{photo} and {seen[target]} would both write {target}: rename one, "
                "or give their folder instead of the files"
            )
        seen[target] = photo
        out.append(str(target))
    return out


def run_batch(
    jobs: Sequence[Job],
    *,
    models: ModelFiles = ModelFiles(),
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> Iterator[PhotoReport]:
    """Read every job's photo; reports come back in the order of `jobs`.

    Parameters
    ----------
    jobs : sequence of Job
    models : ModelFiles
        The networks each worker opens.
    workers : int
        Processes on this machine (`concurrent.futures`), or of the local
        Dask cluster when `scheduler` is ``"local"``.
    scheduler : str or None
        None: a process pool on this machine (one process: this one).
        ``"local"``: a local Dask cluster. Else the address of a Dask
        scheduler (``tcp://host:8786``).
    progress : bool
        Show a progress bar on stderr.

    Raises
    ------
    ModelError
        When a network cannot be opened (checked here before any work).
    ClusterError
        When Dask is missing or the scheduler cannot be reached within
        `CONNECT_TIMEOUT` seconds.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    _models(models)  # a network that cannot be opened stops the run here, once
    dask = _connect(scheduler, workers) if scheduler is not None else None
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="photo", dynamic_ncols=True)
    try:
        if dask is not None:
            reports = _on_dask(jobs, models, *dask)
        elif workers == 1 or len(jobs) == 1:
            reports = (run_job(job, models) for job in jobs)
        else:
            reports = _on_pool(jobs, models, workers=workers)
        for report in reports:
            if bar is not None:
                bar.update()
            yield report
    finally:
        if bar is not None:
            bar.close()


def _on_pool(jobs: Sequence[Job], models: ModelFiles, *, workers: int) -> Iterable[PhotoReport]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": OpenCV's thread pool does not survive a fork of a process that used it.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=context, initializer=_one_thread
    ) as pool:
        yield from pool.map(run_job, jobs, [models] * len(jobs))


def _connect(scheduler: str, workers: int):
    """A Dask client (and the local cluster it runs on, or None)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("Dask is not installed: pip install 'shoewear[cluster]'") from None
    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None,
            )
            return Client(cluster, timeout=CONNECT_TIMEOUT), cluster
        return Client(scheduler, timeout=CONNECT_TIMEOUT), None
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT} s "
            f"({type(exc).__name__})"
        ) from None


def _on_dask(jobs: Sequence[Job], models: ModelFiles, client, cluster) -> Iterable[PhotoReport]:
    try:
        futures = client.map(run_job, list(jobs), models=models, pure=False)
        for future in futures:
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _one_thread() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already


_OPEN: dict = {}


def _models(files: ModelFiles):
    """The networks of `files`, opened once per process."""
    if files not in _OPEN:
        from .pipeline import Models

        threads = 1 if len(_OPEN) or os.environ.get("SHOEWEAR_WORKER") else 2
        _OPEN[files] = Models.load(segmenter=files.segmenter, wear=files.wear, threads=threads)
    return _OPEN[files]


def run_job(job: Job, models: ModelFiles = ModelFiles()) -> PhotoReport:
    """Read one photo and write its mask and overlay; errors come back in the report."""
    from .pipeline import analyze

    result = analyze(job.photo, _models(models), side=job.side)
    report = result.report
    if report.error is not None:
        return report
    try:
        if job.mask is not None:
            write_mask(result, job.mask)
        if job.overlay is not None:
            write_overlay(result, job.overlay)
    except OSError as exc:
        return PhotoReport(
            file=report.file, soles=report.soles, asymmetry=report.asymmetry,
            models=report.models, error=f"cannot write output: {exc.strerror or exc}",
        )
    return report


def write_mask(result, path: str | os.PathLike) -> None:
    """Write the union of the soles' masks at the photo's own size as 0/255 PNG."""
    import numpy as np

    from .segment import upscale_mask

    image = result.image
    union = np.zeros(image.rgb.shape[:2], dtype=bool)
    for m in result.masks:
        union |= m.mask
    full = np.where(upscale_mask(union, image.original_size), 255, 0).astype(np.uint8)
    _write(path, full)


def write_overlay(result, path: str | os.PathLike) -> None:
    """Write the photo with outline, axis, zones, side and wear drawn on it."""
    import cv2

    from .draw import draw_analysis

    overlay, _ = draw_analysis(result)
    _write(path, cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))


def _write(path: str | os.PathLike, pixels) -> None:
    import cv2

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), pixels):
        raise OSError(f"could not write {path}")
