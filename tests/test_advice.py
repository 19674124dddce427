import dataclasses
import json

import pytest

from shoewear.advice import (
    ASYMMETRY_THRESHOLD,
    HEAVY_FROM,
    LOW_CONFIDENCE,
    MILD_BELOW,
    NO_CALL_BELOW,
    WORN_THROUGH,
    advise,
    compare_pair,
    drills_for,
    wear_severity,
)
from shoewear.contract import PATTERNS, ZONES
from shoewear.errors import ShoewearError
from shoewear.knowledge import load_knowledge
from shoewear.patterns import PATTERN_DEFS
from shoewear.report import PairComparison, PhotoReport, WearReading

#: Where each pattern wears (none for unworn).
WORN = {name: d.worn_zones for name, d in PATTERN_DEFS.items()}
TO_FIX = [p for p in PATTERNS if p not in ("even", "unworn")]
HINT = "Wear is a hint, not a diagnosis."


def reading(pattern, level=0.7, *, conf=0.8, base=0.05, zones=None, probs=None, side="right"):
    z = {name: base for name in ZONES}
    z.update({name: level for name in WORN[pattern]})
    z.update(zones or {})
    if probs is None:
        rest = (1.0 - conf) / (len(PATTERNS) - 1)
        probs = {p: rest for p in PATTERNS}
        probs[pattern] = conf
    return WearReading(pattern, conf, probs, z, side)


@pytest.mark.parametrize("pattern", TO_FIX)
def test_heavy_wear_gives_a_fault_and_two_drills(pattern):
    advice = advise(reading(pattern, 0.75))
    assert len(advice.faults) >= 1
    assert len(advice.drills) >= 2
    k = load_knowledge()
    linked = {link.id for link in k.patterns[pattern].faults}
    assert advice.faults[0].id in linked
    assert all(f.why and "How sure:" in f.why for f in advice.faults)
    assert all("Dose:" in d.how for d in advice.drills)


@pytest.mark.parametrize("level", [0.1, 0.5, 0.9])
def test_even_says_nothing_to_fix_but_keeps_good_habits(level):
    advice = advise(reading("even", level))
    assert advice.faults == ()
    assert "Nothing here to fix" in advice.summary
    assert len(advice.drills) >= 2


@pytest.mark.parametrize("level", [0.0, 0.1, 0.3])
def test_unworn_has_nothing_to_read(level):
    advice = advise(reading("unworn", level, base=level))
    assert advice.faults == () and advice.drills == ()
    assert "nothing to read yet" in advice.summary
    assert "100-150 km" in advice.summary


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("level", [0.1, 0.5, 0.95])
def test_every_result_carries_the_caveats(pattern, level):
    advice = advise(reading(pattern, level))
    assert HINT in advice.caveats
    assert set(load_knowledge().caveats) <= set(advice.caveats)
    assert len(set(advice.caveats)) == len(advice.caveats)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (MILD_BELOW - 0.01, "mild"),
        (MILD_BELOW, "moderate"),
        (HEAVY_FROM - 0.01, "moderate"),
        (HEAVY_FROM, "heavy"),
        (1.0, "heavy"),
    ],
)
def test_severity_reads_the_patterns_zones(level, expected):
    assert wear_severity(reading("lateral_edge", level)) == (expected, pytest.approx(level))


def test_severity_ignores_wear_outside_the_pattern():
    r = reading("heel_lateral", 0.2, zones={"toe": 0.8, "forefoot_medial": 0.7})
    assert wear_severity(r)[0] == "mild"


def test_mild_outer_heel_wear_is_called_normal():
    mild = advise(reading("heel_lateral", 0.2))
    heavy = advise(reading("heel_lateral", 0.8))
    assert mild.faults == ()
    assert "not a fault" in mild.summary
    assert "Heavy wear" in heavy.summary and "not a fault in itself" not in heavy.summary
    assert {"overstriding", "low_cadence"} <= {f.id for f in heavy.faults}


@pytest.mark.parametrize("pattern", TO_FIX)
def test_severity_changes_wording_and_fault_count(pattern):
    mild, moderate, heavy = (advise(reading(pattern, v)) for v in (0.2, 0.5, 0.8))
    if pattern != "heel_lateral":
        assert mild.summary.startswith("Light wear")
    assert moderate.summary.startswith("Clear wear")
    assert heavy.summary.startswith("Heavy wear")
    assert len(mild.faults) <= len(moderate.faults) <= len(heavy.faults)
    assert len(mild.faults) < len(heavy.faults)
    assert len(heavy.drills) >= len(mild.drills)


@pytest.mark.parametrize("pattern", TO_FIX)
def test_faults_are_ranked_by_evidence(pattern):
    k = load_knowledge()
    links = {link.id: link.evidence for link in k.patterns[pattern].faults}
    ranks = [k.evidence_rank(links[f.id]) for f in advise(reading(pattern, 0.9)).faults]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(("toe", "expected"), [(0.1, False), (0.7, True)])
def test_zone_limited_link_reads_the_zone(toe, expected):
    r = reading("forefoot", 0.8, zones={"toe": toe, "forefoot_lateral": 0.1})
    assert ("scuffing" in {f.id for f in advise(r).faults}) is expected


@pytest.mark.parametrize(
    ("worst", "replace"),
    [(WORN_THROUGH - 0.02, False), (WORN_THROUGH, True), (0.99, True)],
)
def test_worn_through_zone_says_replace_the_shoe(worst, replace):
    advice = advise(reading("medial", 0.5, zones={"forefoot_medial": worst}))
    assert any("replace the shoe" in c for c in advice.caveats) is replace
    assert ("replace the shoe" in advice.summary) is replace


@pytest.mark.parametrize(
    ("conf", "uncertain"),
    [(LOW_CONFIDENCE - 0.05, True), (LOW_CONFIDENCE, False), (0.9, False)],
)
def test_low_confidence_is_called_uncertain(conf, uncertain):
    advice = advise(reading("heel_central", 0.7, conf=conf))
    assert any("uncertain" in c for c in advice.caveats) is uncertain


@pytest.mark.parametrize("pattern", TO_FIX)
def test_uncertain_reading_names_fewer_faults(pattern):
    sure = advise(reading(pattern, 0.9, conf=0.9))
    unsure = advise(reading(pattern, 0.9, conf=NO_CALL_BELOW + 0.05))
    assert unsure.faults and unsure.faults[0] == sure.faults[0]
    assert len(unsure.faults) <= 2  # the best-supported one, maybe the runner-up's
    assert len(unsure.drills) <= len(sure.drills)


@pytest.mark.parametrize(
    ("heel", "disagree"),
    [(0.3, False), (0.45 + 0.19, False), (0.45 + 0.21, True), (0.9, True)],
)
def test_zones_that_contradict_the_pattern_are_noted(heel, disagree):
    zones = {"forefoot_medial": 0.45, "forefoot_lateral": 0.4, "toe": 0.3, "heel_lateral": heel}
    r = reading("forefoot", 0.0, zones=zones)
    notes = [c for c in advise(r).caveats if "pattern call may be off" in c]
    assert bool(notes) is disagree
    if disagree:
        assert "outer heel" in notes[0]


@pytest.mark.parametrize(("level", "noted"), [(0.2, False), (0.5, True)])
def test_unworn_call_with_worn_zones_is_questioned(level, noted):
    advice = advise(reading("unworn", 0.0, zones={"toe": level}))
    assert any("'unworn' may be off" in c for c in advice.caveats) is noted
    assert advice.faults == ()


def test_bald_sole_says_replace_and_distrusts_the_pattern():
    advice = advise(reading("lateral_edge", 0.95, base=0.9))
    assert any("whole sole" in c and "replace the shoe" in c for c in advice.caveats)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize(("conf", "called"), [(NO_CALL_BELOW - 0.05, False), (NO_CALL_BELOW, True)])
def test_a_flat_reading_names_no_fault(pattern, conf, called):
    advice = advise(reading(pattern, 0.9, conf=conf, zones={"toe": 0.9}))
    assert ("too unsure" in advice.summary) is not called
    if not called:
        assert advice.faults == () and advice.drills == ()
        assert any("uncertain" in c for c in advice.caveats)
        assert any("replace the shoe" in c for c in advice.caveats)  # zones still read


@pytest.mark.parametrize(
    ("top", "runner", "absent"),
    [("medial", "lateral_edge", "supination"), ("lateral_edge", "medial", "overpronation")],
)
def test_runner_up_never_adds_the_opposite_fault(top, runner, absent):
    r = reading(top, 0.8, conf=0.45, probs=_probs(top, runner, 0.45, 0.4))
    advice = advise(r)
    assert any(f"'{runner}'" in c for c in advice.caveats)
    assert absent not in {f.id for f in advice.faults}


def _probs(top, second, p1, p2):
    rest = (1.0 - p1 - p2) / (len(PATTERNS) - 2)
    probs = {p: rest for p in PATTERNS}
    probs[top], probs[second] = p1, p2
    return probs


@pytest.mark.parametrize(
    ("p1", "p2", "mentioned"),
    [
        (0.90, 0.05, False),
        (0.70, 0.24, False),  # gap 0.46, below 0.25
        (0.60, 0.26, True),  # above 0.25
        (0.45, 0.31, True),  # within 0.15
        (0.40, 0.20, False),  # gap 0.20, below 0.25
        (0.34, 0.20, True),  # within 0.15
    ],
)
def test_runner_up_pattern_is_mentioned_when_close(p1, p2, mentioned):
    r = reading("heel_lateral", 0.7, conf=p1, probs=_probs("heel_lateral", "lateral_edge", p1, p2))
    advice = advise(r)
    assert any("'lateral_edge'" in c for c in advice.caveats) is mentioned
    assert ("supination" in {f.id for f in advice.faults}) is mentioned


def test_custom_knowledge_is_used(tmp_path):
    from importlib import resources

    text = resources.files("shoewear").joinpath("data/knowledge.toml").read_text("utf-8")
    text = text.replace('name = "Short-foot exercise"', 'name = "Arch doming"')
    path = tmp_path / "kb.toml"
    path.write_text(text, encoding="utf-8")
    advice = advise(reading("medial", 0.8), knowledge=load_knowledge(path))
    assert "Arch doming" in [d.name for d in advice.drills]


def test_unknown_pattern_is_refused():
    r = WearReading("sideways", 0.9, {"sideways": 0.9}, {z: 0.1 for z in ZONES})
    with pytest.raises(ShoewearError, match="unknown wear pattern 'sideways'"):
        advise(r)


# ------------------------------------------------------------------ pairs


@pytest.mark.parametrize(
    ("delta", "verdict"),
    [
        (0.0, "balanced"),
        (ASYMMETRY_THRESHOLD - 0.01, "balanced"),
        (ASYMMETRY_THRESHOLD, "asymmetric"),
        (ASYMMETRY_THRESHOLD + 0.01, "asymmetric"),
        (0.5, "asymmetric"),
    ],
)
@pytest.mark.parametrize("worse", ["left", "right"])
def test_asymmetry_only_past_threshold(delta, verdict, worse):
    base = 0.3
    left = reading("heel_lateral", base, side="left")
    bumped = {"heel_lateral": base + delta}
    right = reading("heel_lateral", base, zones=bumped, side="right")
    if worse == "left":
        left, right = (
            reading("heel_lateral", base, zones=bumped, side="left"),
            reading("heel_lateral", base, side="right"),
        )
    out = compare_pair(left, right)
    assert isinstance(out, PairComparison)
    assert out.verdict == verdict and out.asymmetric is (verdict == "asymmetric")
    sign = 1 if worse == "right" else -1
    assert out.zone_diff["heel_lateral"] == pytest.approx(sign * delta, abs=1e-4)
    assert out.max_diff == pytest.approx(delta, abs=1e-4)
    if verdict == "asymmetric":
        assert out.more_worn == worse and out.max_zone == "heel_lateral"
        assert f"The {worse} shoe is more worn at the outer heel" in out.message
        assert {d.id for d in out.drills} >= {"single_leg_squats", "side_planks"}
        assert out.faults and out.faults[0].id == "weak_hips"
        assert all("Dose:" in d.how for d in out.drills)
    else:
        assert out.more_worn is None and out.drills == () and out.faults == ()
        assert "Both shoes wear alike" in out.message
    json.dumps(out.to_json())


@pytest.mark.parametrize(("threshold", "verdict"), [(0.1, "asymmetric"), (0.3, "balanced")])
def test_threshold_is_a_knob(threshold, verdict):
    left = reading("medial", 0.4, side="left")
    right = reading("medial", 0.4, zones={"forefoot_medial": 0.6}, side="right")
    assert compare_pair(left, right, threshold=threshold).verdict == verdict


@pytest.mark.parametrize(("conf", "verdict"), [(0.8, "asymmetric"), (0.5, "balanced")])
def test_different_confident_patterns_are_asymmetric(conf, verdict):
    left = reading("medial", 0.4, conf=conf, side="left")
    right = reading("lateral_edge", 0.4, conf=conf, side="right")
    right = WearReading(right.pattern, conf, right.probabilities, dict(left.zones), "right")
    out = compare_pair(left, right)
    assert out.max_diff == 0.0
    assert out.verdict == verdict
    assert (out.left_pattern, out.right_pattern) == ("medial", "lateral_edge")
    assert out.to_json()["patterns"] == {"left": "medial", "right": "lateral_edge"}


@pytest.mark.parametrize(("left", "noted"), [("unworn", True), ("heel_central", False)])
def test_a_new_shoe_against_a_worn_one_is_pointed_out(left, noted):
    out = compare_pair(reading(left, 0.1, side="left"), reading("heel_central", 0.8))
    assert out.verdict == "asymmetric"
    assert ("nearly new" in out.message) is noted


#: The keys of DESIGN.md's "asymmetry" object, as `compare_pair` has always written them.
ASYMMETRY_KEYS = [
    "zone_diff",
    "max_zone",
    "max_diff",
    "threshold",
    "verdict",
    "more_worn",
    "patterns",
    "message",
    "evidence",
    "faults",
    "drills",
]


@pytest.mark.parametrize("right_level", [0.32, 0.7])
def test_pair_to_json_keeps_the_design_object(right_level):
    left = reading("heel_lateral", 0.3, side="left")
    right = reading("heel_lateral", 0.3, zones={"heel_lateral": right_level}, side="right")
    out = compare_pair(left, right)
    data = out.to_json()
    assert list(data) == ASYMMETRY_KEYS
    assert json.loads(json.dumps(data)) == data
    assert list(data["zone_diff"]) == list(ZONES)
    assert data["zone_diff"]["heel_lateral"] == round(right_level - 0.3, 4)
    assert data["max_diff"] == round(right_level - 0.3, 4)
    assert data["threshold"] == ASYMMETRY_THRESHOLD
    assert data["verdict"] in ("balanced", "asymmetric")
    assert data["evidence"] == load_knowledge().asymmetry.evidence
    assert all(list(f) == ["id", "title", "why"] for f in data["faults"])
    assert all(list(d) == ["id", "name", "how"] for d in data["drills"])
    assert bool(data["drills"]) is out.asymmetric
    report = PhotoReport("pair.jpg", asymmetry=out)
    assert report.to_json()["asymmetry"] == data
    assert PhotoReport("one.jpg").to_json()["asymmetry"] is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.verdict = "balanced"


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_bad_threshold_is_refused(threshold):
    with pytest.raises(ShoewearError, match="threshold must lie in"):
        compare_pair(reading("even"), reading("even"), threshold=threshold)


def test_pair_without_shared_zones_is_refused():
    left = WearReading("even", 0.9, {"even": 0.9}, {})
    with pytest.raises(ShoewearError, match="share no zone"):
        compare_pair(left, reading("even"))


# ---------------------------------------------------------------- drills_for


@pytest.mark.parametrize("pattern", [*TO_FIX, "even", "asymmetry"])
def test_drills_for_pattern_starts_with_its_own_links(pattern):
    k = load_knowledge()
    own = k.asymmetry.drills if pattern == "asymmetry" else k.patterns[pattern].drills
    got = [d.id for d in drills_for(pattern)]
    assert set(got[: len(own)]) == {link.id for link in own}
    assert len(got) == len(set(got))


def test_drills_for_none_lists_all_and_unworn_none():
    assert [d.id for d in drills_for()] == list(load_knowledge().drills)
    assert drills_for("unworn") == []
    with pytest.raises(ShoewearError, match="unknown wear pattern 'nope'"):
        drills_for("nope")
