"""The shipped wear model reads photos it has never seen, drawn fresh by the generator."""

import csv

import numpy as np

from shoewear.contract import ZONES
from shoewear.pipeline import analyze
from shoewear.synth import write_dataset

#: A seed none of the model card's sets (1, 555, 777, 4242) was drawn with.
FRESH_SEED = 20261202


def test_the_shipped_model_reads_a_fresh_synthetic_set(tmp_path, models):
    labels = write_dataset(tmp_path / "fresh", n=105, seed=FRESH_SEED, long_side=(560, 800),
                         workers=2, progress=False)
    root = labels.parent
    with open(labels, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["n_soles"] == "1"]
    right, errors = 0, []
    for row in rows:
        report = analyze(root / row["file"], models).report
        if report.error or len(report.soles) != 1:
            continue  # a sole not found counts as a miss
        reading = report.soles[0].reading
        right += reading.pattern == row["pattern"]
        errors.extend(abs(reading.zones[z] - float(row[z])) for z in ZONES)
    accuracy = right / len(rows)
    assert len(rows) >= 100
    assert accuracy >= 0.90, f"pattern accuracy {accuracy:.1%} on {len(rows)} fresh soles"
    assert float(np.mean(errors)) <= 0.08
