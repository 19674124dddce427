"""The three speed targets of `shoewear analyze`, measured in one run.

1. Cold start: the whole process of ``shoewear analyze photo.jpg --json`` on a
   12-megapixel JPEG, median of --repeat runs, divided by the median of a
   fresh ``python -c "import cv2; cv2.imread('photo.jpg')"`` process on the
   same file (the two interleaved run by run): at most 2x.
2. Peak memory of that cold analyze (the largest ``ru_maxrss`` of its runs,
   each read with ``os.wait4`` for that process alone, started from a bare
   interpreter so that it does not inherit this one's peak): at most 300 MiB.
3. A folder of --photos 12 MP JPEGs (a quarter of them pairs) read by
   ``shoewear analyze DIR --json --workers 2``: photos per second for the
   whole command, start-up included (median of --folder-runs): at least 20.

    .venv/bin/python benchmarks/bench_speed.py [--repeat 7] [--photos 40] [--workers 2]

The cold runs must read their photo, or the figures are refused; a photo of
the folder whose sole is not found is timed all the same and named.
Prints a table with PASS/FAIL per target; exits 1 when a target is missed.
`benchmarks/bench_model.py` uses the same measurements for a model of your own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD_RATIO_TARGET = 2.0
PEAK_MIB_TARGET = 300.0
FOLDER_TARGET = 20.0


def write_photo(path: Path, seed: int, *, pair: bool = False) -> None:
    """Write a 4000 x 3000 (12 MP) JPEG of a synthetic sole or pair, as a phone would send."""
    from shoewear.synth import generate_photo

    rgb = generate_photo(seed, pair=pair, long_side=1600).rgb
    h, w = rgb.shape[:2]
    size = (4000, 3000) if w >= h else (3000, 4000)
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.int16)
    big += np.random.default_rng(seed).normal(0.0, 3.0, big.shape).astype(np.int16)
    big = np.clip(big, 0, 255).astype(np.uint8)
    cv2.imwrite(str(path), cv2.cvtColor(big, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])


def shoewear_command() -> list[str]:
    """The installed ``shoewear`` command beside this Python, else ``python -m shoewear``."""
    script = Path(sys.executable).parent / "shoewear"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "shoewear"]


def child_env() -> dict[str, str]:
    """The environment of the timed processes: this checkout's package first."""
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=str(ROOT) + (os.pathsep + path if path else ""))


def compile_package() -> None:
    """Write shoewear's bytecode, as the first run of an installed package leaves it.

    Where PYTHONDONTWRITEBYTECODE is set every run would otherwise compile
    the sources afresh, which no user's second run does.
    """
    env = dict(child_env(), PYTHONDONTWRITEBYTECODE="")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "shoewear")],
                   check=True, env=env)


@dataclass(frozen=True)
class Child:
    """One finished process: wall seconds, peak resident memory, exit code, stdout."""

    seconds: float
    peak_mib: float
    code: int
    stdout: str


#: Starts the measured command from a small fresh process. Linux keeps a process's peak
#: memory across exec, and a child forked (or vforked) from this process would start with
#: this process's peak, photos included; from a bare interpreter it starts with a few MiB.
_LAUNCHER = """\
import json, os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], f)
"""


def run_child(argv: list[str], *, ok_codes: tuple[int, ...] = (0,)) -> Child:
    """Run a command to its end: its wall time and its own peak memory (``os.wait4``).

    An exit code outside `ok_codes` stops the benchmark with the command's error.
    """
    with tempfile.TemporaryDirectory() as tmp:
        measured = Path(tmp) / "measured.json"
        proc = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, str(measured), *argv],
                              capture_output=True, text=True, env=child_env(), check=False)
        if not measured.is_file():
            raise SystemExit(f"the launcher failed: {proc.stderr.strip()[-500:]}")
        seconds, maxrss_kib, code = json.loads(measured.read_text())
    if code not in ok_codes:
        raise SystemExit(f"{' '.join(argv)} exited {code}: {proc.stderr.strip()[-500:]}")
    return Child(seconds, maxrss_kib / 1024.0, code, proc.stdout)


def unread_photos(child: Child, expected: int) -> list[str]:
    """The photos of a run's JSON Lines that were not read (an error, or no sole).

    Refuses a run that did not give one report per photo.
    """
    reports = [json.loads(line) for line in child.stdout.splitlines() if line.strip()]
    if len(reports) != expected:
        raise SystemExit(f"analyze gave {len(reports)} reports for {expected} photos")
    return [r["file"] for r in reports if r.get("error") or not r.get("soles")]


def _read_one(child: Child) -> Child:
    unread = unread_photos(child, 1)
    if unread:
        raise SystemExit(f"the timed photo was not read: {unread[0]}")
    return child


@dataclass(frozen=True)
class Cold:
    """Medians of the cold analyze and of the plain read, and the analyze's peak memory."""

    analyze_s: float
    imread_s: float
    peak_mib: float

    @property
    def ratio(self) -> float:
        return self.analyze_s / self.imread_s


def measure_cold(photo: Path, *, repeat: int, extra: tuple[str, ...] = ()) -> Cold:
    """Fresh ``shoewear analyze photo --json`` processes against fresh ``cv2.imread`` ones.

    The two are interleaved run by run, after one unmeasured run of each
    (which also warms the page cache), so that load from outside hits both.
    """
    imread = [sys.executable, "-c", f"import cv2; cv2.imread({str(photo)!r})"]
    analyze = [*shoewear_command(), "analyze", str(photo), "--json", *extra]
    run_child(imread)
    _read_one(run_child(analyze))
    base, cold, peaks = [], [], []
    for _ in range(repeat):
        base.append(run_child(imread).seconds)
        child = _read_one(run_child(analyze))
        cold.append(child.seconds)
        peaks.append(child.peak_mib)
    return Cold(statistics.median(cold), statistics.median(base), max(peaks))


@dataclass(frozen=True)
class Folder:
    """A folder's figures: median photos/s, the largest peak of one process, photos not read.

    A photo whose sole is not found is timed all the same: refusing is work too.
    """

    photos_per_s: float
    seconds: float
    peak_mib: float
    unread: tuple[str, ...]


def write_folder(folder: Path, photos: int) -> None:
    """`photos` 12 MP JPEGs, every fourth a pair."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(photos):
        write_photo(folder / f"p{i:03d}.jpg", 100 + i, pair=i % 4 == 0)


def measure_folder(
    folder: Path, photos: int, *, workers: int, runs: int, extra: tuple[str, ...] = ()
) -> Folder:
    """``shoewear analyze DIR --json --workers N``, the whole command timed.

    The peak memory is that of the largest single process (the command or a
    worker), as ``ru_maxrss`` reports it for the command's process tree.
    """
    argv = [*shoewear_command(), "analyze", str(folder), "--json", "--workers", str(workers),
            *extra]
    times, peaks = [], []
    for _ in range(runs):
        child = run_child(argv, ok_codes=(0, 1))  # 1: some photo not read
        unread = unread_photos(child, photos)
        times.append(child.seconds)
        peaks.append(child.peak_mib)
    seconds = statistics.median(times)
    return Folder(photos / seconds, seconds, max(peaks), tuple(unread))


def _row(name: str, value: str, target: str, verdict: str) -> str:
    return f"| {name:<38} | {value:>22} | {target:>11} | {verdict:<7} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="cold runs of each (default 7)")
    parser.add_argument("--photos", type=int, default=40, help="photos in the folder (default 40)")
    parser.add_argument("--workers", type=int, default=2, help="--workers of the folder run")
    parser.add_argument("--folder-runs", type=int, default=3,
                        help="runs over the folder (default 3; the median counts)")
    args = parser.parse_args(argv)
    for flag in ("repeat", "photos", "workers", "folder_runs"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1, "
                         f"got {getattr(args, flag)}")

    load0 = os.getloadavg()[0]
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo = tmp / "photo.jpg"
        write_photo(photo, 7)
        folder = tmp / "folder"
        write_folder(folder, args.photos)
        cold = measure_cold(photo, repeat=args.repeat)
        many = measure_folder(folder, args.photos, workers=args.workers, runs=args.folder_runs)
        mb = photo.stat().st_size / 1e6

    print(f"{os.cpu_count()} cores, load average {load0:.1f} before, {os.getloadavg()[0]:.1f} "
          f"after; command: {' '.join(shoewear_command())}")
    print(f"photo: 4000x3000 JPEG, {mb:.1f} MB; cold runs: median of {args.repeat} each, "
          f"interleaved; folder: {args.photos} such photos (every fourth a pair), median of "
          f"{args.folder_runs} runs")
    print(f"  shoewear analyze photo.jpg --json             {cold.analyze_s:.3f} s")
    print(f"  python -c 'import cv2; cv2.imread(photo)'     {cold.imread_s:.3f} s")
    print(f"  shoewear analyze DIR --json --workers {args.workers}       {many.seconds:.2f} s "
          f"(peak {many.peak_mib:.0f} MiB in one process)")
    if many.unread:
        print(f"  not read (timed all the same): {', '.join(Path(p).name for p in many.unread)}")
    checks = [
        ("cold analyze / cold imread", f"{cold.ratio:.2f}x", f"<= {COLD_RATIO_TARGET:g}x",
         cold.ratio <= COLD_RATIO_TARGET),
        ("peak memory, cold analyze", f"{cold.peak_mib:.0f} MiB",
         f"<= {PEAK_MIB_TARGET:.0f} MiB", cold.peak_mib <= PEAK_MIB_TARGET),
        (f"folder of {args.photos}, --workers {args.workers}",
         f"{many.photos_per_s:.1f} photos/s", f">= {FOLDER_TARGET:g}/s",
         many.photos_per_s >= FOLDER_TARGET),
    ]
    print(_row("target", "measured", "goal", "verdict"))
    print("|" + "|".join("-" * n for n in (40, 24, 13, 9)) + "|")
    for name, value, goal, ok in checks:
        print(_row(name, value, goal, "PASS" if ok else "FAIL"))
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
