import pytest

from shoewear.contract import PATTERNS, ZONES
from shoewear.patterns import PATTERN_DEFS, WearPattern, wear_pattern

#: Patterns whose wear sits in some zones only (even spreads it, unworn has none).
LOCAL = [p for p in PATTERNS if p not in ("even", "unworn")]


def test_every_pattern_is_defined_in_contract_order():
    assert tuple(PATTERN_DEFS) == PATTERNS
    assert all(isinstance(d, WearPattern) for d in PATTERN_DEFS.values())


@pytest.mark.parametrize("name", PATTERNS)
def test_definition_is_complete(name):
    d = wear_pattern(name)
    assert d is PATTERN_DEFS[name] and d.name == name
    assert d.title.strip() and d.summary.strip()
    assert tuple(d.prototype) == ZONES
    assert all(0.0 <= v <= 1.0 for v in d.prototype.values())
    assert set(d.worn_zones) <= set(ZONES)


@pytest.mark.parametrize("name", LOCAL)
def test_worn_zones_are_the_most_worn_zones_of_the_prototype(name):
    d = wear_pattern(name)
    worn = [d.prototype[z] for z in d.worn_zones]
    rest = [v for z, v in d.prototype.items() if z not in d.worn_zones]
    assert worn and rest
    # a clear gap, not a tie: the worn zones are where the pattern lives
    assert min(worn) >= max(rest) + 0.2


def test_even_wears_every_zone_lightly():
    d = wear_pattern("even")
    assert d.worn_zones == ZONES
    levels = list(d.prototype.values())
    assert 0.1 < sum(levels) / len(levels) < 0.45
    assert max(levels) - min(levels) < 0.3


def test_unworn_prototype_is_near_zero():
    d = wear_pattern("unworn")
    assert d.worn_zones == ()
    assert max(d.prototype.values()) < 0.05


def test_definitions_are_read_only():
    d = wear_pattern("medial")
    with pytest.raises(TypeError):
        d.prototype["toe"] = 0.0
    with pytest.raises(AttributeError):
        d.worn_zones = ()


@pytest.mark.parametrize("name", ["worn", "", None, "Medial"])
def test_unknown_pattern_is_refused(name):
    with pytest.raises(ValueError, match=r"pattern must be one of .*'even'.*, got"):
        wear_pattern(name)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "flat"}, "pattern must be one of"),
        ({"prototype": dict.fromkeys(ZONES[:-1], 0.1)}, "prototype must give the zones"),
        ({"prototype": {**dict.fromkeys(ZONES, 0.1), "toe": 1.2}}, "level of 'toe' must lie in"),
        ({"worn_zones": ("toe", "heel_medial")}, "worn_zones must be distinct zones"),
        ({"worn_zones": ("heel_outer",)}, "worn_zones must be distinct zones"),
    ],
)
def test_bad_definition_is_refused(kwargs, match):
    good = {
        "name": "even",
        "title": "t",
        "summary": "s",
        "worn_zones": ZONES,
        "prototype": dict.fromkeys(ZONES, 0.1),
    }
    with pytest.raises(ValueError, match=match):
        WearPattern(**{**good, **kwargs})
