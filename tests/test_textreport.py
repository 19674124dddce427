import pytest

from shoewear.advice import advise, compare_pair
from shoewear.contract import PATTERNS, ZONES
from shoewear.present import models_line, pattern_title, runner_up, zone_name
from shoewear.report import PhotoReport, SoleReport, WearReading
from shoewear.textreport import BAR_WIDTH, format_report, zone_bar

MODELS = {
    "segmenter": {"name": "sole_seg v1", "sha256": "ac4a29ad05ed0f1d65e508092338d072"},
    "wear": {"name": "wear_cnn v30", "sha256": "aad84dc02f76035bcc3b31ee1e9153af"},
}


def _sole(pattern, zones, *, side="right", conf=0.7, runner="even", p2=0.2):
    """A sole whose advice is the real one; `runner` has probability `p2`."""
    rest = (1.0 - conf - p2) / (len(PATTERNS) - 2)
    probs = {p: rest for p in PATTERNS}
    probs[pattern], probs[runner] = conf, p2
    r = WearReading(pattern, conf, probs, zones, side)
    return SoleReport(side, 0.83, (10, 20, 110, 320), r, advise(r))


def _zones(**worn):
    z = {name: 0.1 for name in ZONES}
    z.update(worn)
    return z


@pytest.mark.parametrize(("level", "hashes"), [(0.0, 0), (0.5, 10), (1.0, 20), (1.7, 20), (-1, 0)])
def test_zone_bar(level, hashes):
    bar = zone_bar(level)
    assert len(bar) == BAR_WIDTH
    assert bar.count("#") == hashes


def test_single_sole_report_shows_everything():
    sole = _sole("heel_lateral", _zones(heel_lateral=0.8))
    text = format_report(PhotoReport("run.jpg", soles=(sole,)))
    assert text.startswith("run.jpg\n")
    assert "Sole 1 of 1: right (side confidence 0.83)" in text
    assert "pattern: Heel lateral (confidence 0.70)\n" in text  # no runner-up close enough
    assert "outer heel" in text and "#" * 16 + "." * 4 + " 0.80" in text
    for f in sole.advice.faults:
        assert f.title in text
    for d in sole.advice.drills:
        assert d.name in text
    assert "Wear is a hint, not a diagnosis." in text
    assert "\033[" not in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_zones_run_from_toe_to_heel():
    text = format_report(PhotoReport("a.jpg", soles=(_sole("even", _zones()),)))
    assert text.index("toe ") < text.index("inner forefoot") < text.index("inner heel")


def test_error_report_is_one_line_after_the_name():
    text = format_report(PhotoReport("bad.jpg", error="not an image: bad.jpg"))
    assert text == "bad.jpg\n  error: not an image: bad.jpg\n"


def test_pair_prints_asymmetry_and_caveats_once():
    left = _sole("heel_lateral", _zones(heel_lateral=0.75), side="left")
    right = _sole("even", _zones(heel_lateral=0.3), side="right")
    asym = compare_pair(left.reading, right.reading)
    text = format_report(PhotoReport("pair.jpg", soles=(left, right), asymmetry=asym))
    assert "Sole 1 of 2: left" in text and "Sole 2 of 2: right" in text
    assert "Left and right: asymmetric, the left shoe wears more" in text
    assert "-0.45" in text
    assert text.count("Wear is a hint, not a diagnosis.") == 1
    assert "Single-leg bridges" in text


def test_balanced_pair():
    left = _sole("even", _zones(), side="left")
    right = _sole("even", _zones(toe=0.15), side="right")
    text = format_report(
        PhotoReport(
            "pair.jpg", soles=(left, right), asymmetry=compare_pair(left.reading, right.reading)
        )
    )
    assert "Left and right: balanced" in text


def test_color_adds_ansi_only_when_asked():
    report = PhotoReport("a.jpg", soles=(_sole("medial", _zones(forefoot_medial=0.9)),))
    plain, colored = format_report(report), format_report(report, color=True)
    assert "\033[" in colored and "\033[" not in plain
    assert "\033[31m" in colored  # the 0.9 zone is painted red


def test_reading_notes_printed_once():
    sole = _sole("forefoot", _zones(toe=0.9, forefoot_medial=0.7), conf=0.4, p2=0.35)
    text = format_report(PhotoReport("a.jpg", soles=(sole,)))
    assert text.count("replace the shoe") == 1
    assert text.count("uncertain") == 1


@pytest.mark.parametrize(
    ("p1", "p2", "shown"),
    [
        (0.70, 0.20, False),
        (0.70, 0.24, False),
        (0.60, 0.26, True),  # above 0.25
        (0.45, 0.31, True),  # within 0.15
        (0.40, 0.20, False),
        (0.34, 0.20, True),
    ],
)
def test_runner_up_only_when_the_advice_names_it(p1, p2, shown):
    sole = _sole("heel_lateral", _zones(heel_lateral=0.6), conf=p1, runner="lateral_edge", p2=p2)
    named = any("'lateral_edge'" in c for c in sole.advice.caveats)
    assert named is shown
    assert (runner_up(sole.reading) is not None) is shown
    text = format_report(PhotoReport("a.jpg", soles=(sole,)))
    assert ("runner-up: Lateral edge" in text) is shown
    if shown:
        assert f"runner-up: Lateral edge ({p2:.2f})" in text


def test_models_that_read_the_photo_are_named():
    sole = _sole("even", _zones())
    text = format_report(PhotoReport("a.jpg", soles=(sole,), models=MODELS))
    assert models_line(MODELS) in " ".join(text.split())
    assert text.rstrip().endswith("(sha256 aad84dc02f76).")
    assert "Read by" not in format_report(PhotoReport("a.jpg", soles=(sole,)))


@pytest.mark.parametrize(
    ("models", "line"),
    [
        (
            MODELS,
            "Read by segmenter sole_seg v1 (sha256 ac4a29ad05ed), wear wear_cnn v30 "
            "(sha256 aad84dc02f76).",
        ),
        ({"segmenter": {"name": "mine", "sha256": ""}}, "Read by segmenter mine."),
        ({}, ""),
    ],
)
def test_models_line(models, line):
    assert models_line(models) == line


@pytest.mark.parametrize(
    ("name", "title"),
    [("heel_lateral", "Heel lateral"), ("even", "Even"), ("lateral_edge", "Lateral edge")],
)
def test_pattern_title(name, title):
    assert pattern_title(name) == title


def test_zone_names_are_the_advice_words():
    names = [zone_name(z) for z in ZONES]
    assert len(set(names)) == len(ZONES)
    assert zone_name("heel_lateral") == "outer heel"
    assert zone_name("forefoot_medial") == "inner forefoot"
    assert zone_name("arch_thing") == "arch thing"
