"""Run every speed benchmark in this folder and print their figures.

    python benchmarks/run_all.py            # all bench_*.py scripts
    python benchmarks/run_all.py synth app  # only bench_synth.py and bench_app.py

Each script prints its own figures, as ratios against a baseline measured in
the same run where there is one. Accuracy figures (pipeline_accuracy.py,
`shoewear evaluate`) take longer and are run on their own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
