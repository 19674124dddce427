import json

import pytest

from shoewear.advice import drills_for
from shoewear.cli import main
from shoewear.contract import PATTERNS
from shoewear.knowledge import load_knowledge


def test_all_drills_with_how_and_dose(capsys):
    assert main(["drills"]) == 0
    out = capsys.readouterr().out
    for d in load_knowledge().drills.values():
        assert d.name in out
    assert out.count("how:") == out.count("dose:") == len(load_knowledge().drills)


@pytest.mark.parametrize("pattern", [p for p in PATTERNS if p != "unworn"] + ["asymmetry"])
def test_pattern_lists_its_linked_drills(pattern, capsys):
    assert main(["drills", pattern]) == 0
    out = capsys.readouterr().out
    expected = drills_for(pattern)
    assert expected
    names = [line.strip().rsplit("  [", 1)[0] for line in out.splitlines() if line.endswith("]")]
    assert names == [d.name for d in expected]


def test_unworn_explains_there_is_nothing_yet(capsys):
    assert main(["drills", "unworn"]) == 0
    assert "100-150 km" in capsys.readouterr().out


def test_unknown_pattern_is_usage_error(capsys):
    assert main(["drills", "sideways"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown wear pattern 'sideways'" in err
    for p in PATTERNS:
        assert p in err


@pytest.mark.parametrize("pattern", [None, "medial"])
def test_json(pattern, capsys):
    argv = ["drills", "--json"] + ([pattern] if pattern else [])
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [d.id for d in drills_for(pattern)]
    assert all(r["how"] and r["dose"] and r["kind"] for r in rows)


@pytest.mark.parametrize("kind", ["drill", "strength", "habit"])
def test_kind_filter(kind, capsys):
    assert main(["drills", "--json", "--kind", kind]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["kind"] for r in rows} == {kind}
