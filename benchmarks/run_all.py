"""Run every speed benchmark in this folder and print their figures.

    python benchmarks/run_all.py             # all bench_*.py scripts
    python benchmarks/run_all.py synth speed # only bench_synth.py and bench_speed.py

Each script prints its own figures, as ratios against a baseline measured in
the same run where there is one. `bench_speed.py` checks the three speed
targets of `shoewear analyze` (cold start against a plain ``cv2.imread``,
peak memory, a folder with two workers) and fails when one is missed; the
run fails when any script does, and the failed ones are named at the end.
Accuracy figures (pipeline_accuracy.py, `shoewear evaluate`) take longer and
are run on their own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        known = {s.stem.removeprefix("bench_") for s in scripts}
        unknown = sorted(set(names) - known)
        if unknown:
            print(f"no benchmark named {', '.join(unknown)}; there are {', '.join(sorted(known))}",
                  file=sys.stderr)
            return 2
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"== failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
