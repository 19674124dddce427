import pytest

from shoewear.contract import PATTERNS, ZONES
from shoewear.errors import KnowledgeBaseError
from shoewear.knowledge import DRILL_KINDS, Knowledge, load_knowledge
from shoewear.patterns import wear_pattern

SHIPPED = load_knowledge().source


@pytest.fixture(scope="module")
def shipped_text():
    from importlib import resources

    return resources.files("shoewear").joinpath("data/knowledge.toml").read_text("utf-8")


def _write(tmp_path, text, name="kb.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _replace(text, old, new):
    assert text.count(old) == 1, f"mutation target not unique: {old!r}"
    return text.replace(old, new)


def test_shipped_knowledge_validates_and_is_cached():
    k = load_knowledge()
    assert isinstance(k, Knowledge)
    assert load_knowledge() is k
    assert tuple(k.patterns) == PATTERNS
    assert k.source == SHIPPED


def test_every_link_resolves_and_levels_are_known():
    k = load_knowledge()
    links = [link for p in k.patterns.values() for link in (*p.faults, *p.drills)]
    links += [*k.asymmetry.faults, *k.asymmetry.drills]
    for link in links:
        assert link.id in k.faults or link.id in k.drills
        assert link.evidence in k.evidence
        assert link.zone is None or link.zone in ZONES
    for fault in k.faults.values():
        assert fault.drills and all(d in k.drills for d in fault.drills)
    assert all(d.kind in DRILL_KINDS for d in k.drills.values())


@pytest.mark.parametrize(
    "fault",
    [
        "overstriding",
        "low_cadence",
        "supination",
        "overpronation",
        "weak_hips",
        "tense_shoulders",
        "heavy_landing",
        "calf_overload",
        "narrow_step",
        "scuffing",
    ],
)
def test_the_faults_of_the_brief_are_covered_and_linked(fault):
    k = load_knowledge()
    assert fault in k.faults
    linked = {link.id for p in k.patterns.values() for link in p.faults}
    linked |= {link.id for link in k.asymmetry.faults}
    assert fault in linked


def test_caveats_include_the_design_ones():
    text = " ".join(load_knowledge().caveats).lower()
    for words in (
        "hint, not a diagnosis",
        "friction",
        "surfaces",
        "not a medical",
        "video gait analysis",
        "5-10%",
        "pain",
    ):
        assert words in text


def test_evidence_rank_follows_file_order():
    k = load_knowledge()
    ranks = [k.evidence_rank(level) for level in k.evidence]
    assert ranks == sorted(ranks) == list(range(len(k.evidence)))
    assert k.evidence_rank("well_supported") < k.evidence_rank("anecdotal")


def test_a_copy_of_the_shipped_file_loads(tmp_path, shipped_text):
    k = load_knowledge(_write(tmp_path, shipped_text))
    assert k.drills.keys() == load_knowledge().drills.keys()


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            'how = "Lean into a wall',
            'hwo = "Lean into a wall',
            "drill 'wall_drill': unknown field 'hwo'",
        ),
        (
            '\nhow = "Lean into a wall with straight arms and the body in one line from heel to '
            'head; drive one knee up, then swap feet quickly, landing each under the hips."',
            "",
            "drill 'wall_drill': missing field 'how'",
        ),
        (
            '{ id = "overpronation", evidence = "mixed" }',
            '{ id = "x", evidence = "mixed" }',
            "pattern 'medial' links unknown fault 'x'",
        ),
        (
            '{ id = "short_foot", evidence = "mixed" }',
            '{ id = "short_foot", evidence = "strong" }',
            "pattern 'medial', drill link 'short_foot': unknown evidence level 'strong'",
        ),
        ('\nid = "b_skips"', '\nid = "a_skips"', "duplicate drill id 'a_skips'"),
        ('\nid = "scuffing"', '\nid = "overstriding"', "duplicate fault id 'overstriding'"),
        ('kind = "drill"\nhow = "Lean', 'kind = "stretch"\nhow = "Lean', "unknown kind 'stretch'"),
        (
            'drills = ["quiet_running", "cadence_metronome", "b_skips"]',
            'drills = ["quiet_running", "nope"]',
            "fault 'heavy_landing' links unknown drill 'nope'",
        ),
        ('zones = ["heel_lateral"]', 'zones = ["heel_outer"]', "unknown zone 'heel_outer'"),
        ("[patterns.unworn]", "[patterns.worn_out]", "pattern 'worn_out' is not a wear pattern"),
        (
            'evidence = "anecdotal"\nadvice',
            'evidence = "hearsay"\nadvice',
            "asymmetry: unknown evidence level 'hearsay'",
        ),
        ("[evidence]", "[evidence\n", "not valid TOML"),
        (
            'nothing_to_fix = true\nreassurance = "Nothing here',
            'nothing_to_fix = true\nfaults = [{ id = "overstriding", evidence = "weak" }]\n'
            'reassurance = "Nothing here',
            "pattern 'even': has nothing_to_fix = true but links faults",
        ),
        ("[asymmetry]", "[asymmetry_]", "unknown top-level entry 'asymmetry_'"),
        (
            'opposite = ["supination"]',
            'opposite = ["pronation"]',
            "fault 'overpronation': 'opposite' names unknown fault 'pronation'",
        ),
    ],
)
def test_broken_file_names_file_and_entry(tmp_path, shipped_text, old, new, match):
    path = _write(tmp_path, _replace(shipped_text, old, new))
    with pytest.raises(KnowledgeBaseError, match=match) as err:
        load_knowledge(path)
    assert str(path) in str(err.value)


def test_missing_pattern_entry(tmp_path, shipped_text):
    start = shipped_text.index("[patterns.forefoot]")
    end = shipped_text.index("[patterns.unworn]")
    path = _write(tmp_path, shipped_text[:start] + shipped_text[end:])
    with pytest.raises(KnowledgeBaseError, match="pattern 'forefoot' has no entry"):
        load_knowledge(path)


def test_pattern_needs_a_fault_and_two_drills(tmp_path, shipped_text):
    text = _replace(
        shipped_text,
        '    { id = "butt_kicks", evidence = "practitioner" },\n',
        "",
    )
    text = _replace(text, '    { id = "high_knees", evidence = "practitioner" },\n', "")
    with pytest.raises(KnowledgeBaseError, match="'forefoot': needs at least one fault and two"):
        load_knowledge(_write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="nope.toml: cannot read"):
        load_knowledge(tmp_path / "nope.toml")


def test_edited_file_is_read_again(tmp_path, shipped_text):
    path = _write(tmp_path, shipped_text)
    assert load_knowledge(path).drills["wall_drill"].name == "Wall drill"
    _write(tmp_path, _replace(shipped_text, 'name = "Wall drill"', 'name = "Wall drill, v2"'))
    assert load_knowledge(path).drills["wall_drill"].name == "Wall drill, v2"


def test_knowledge_is_read_only():
    k = load_knowledge()
    with pytest.raises(TypeError):
        k.drills["x"] = k.drills["wall_drill"]


def test_pattern_zones_are_the_worn_zones_of_patterns_py():
    k = load_knowledge()
    for name, info in k.patterns.items():
        assert set(info.zones) == set(wear_pattern(name).worn_zones or ZONES)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        # a zone the pattern does not wear
        (
            'zones = ["heel_lateral"]',
            'zones = ["heel_lateral", "toe"]',
            r"pattern 'heel_lateral': zones \[heel_lateral, toe\] must be the pattern's worn "
            r"zones \[heel_lateral\] \(shoewear/patterns.py\)",
        ),
        # a worn zone left out
        (
            'zones = ["heel_medial", "heel_lateral"]',
            'zones = ["heel_lateral"]',
            r"pattern 'heel_central': zones \[heel_lateral\] must be the pattern's worn zones "
            r"\[heel_medial, heel_lateral\]",
        ),
        # a zone listed twice
        (
            'zones = ["heel_lateral"]',
            'zones = ["heel_lateral", "heel_lateral"]',
            "pattern 'heel_lateral': zones .* must be the pattern's worn zones",
        ),
    ],
)
def test_pattern_zones_disagreeing_with_patterns_py_are_refused(
    tmp_path, shipped_text, old, new, match
):
    path = _write(tmp_path, _replace(shipped_text, old, new))
    with pytest.raises(KnowledgeBaseError, match=match) as err:
        load_knowledge(path)
    assert str(path) in str(err.value)
