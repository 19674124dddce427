"""How the renderers name things: pattern titles, zone names, the runner-up, the models.

The terminal report (`textreport`), the report files (`report_files`) and the
browser app all show the same reading; they take its words from here so that
a zone, a pattern or a second guess reads the same everywhere, and the same
as in the advice's own text.
"""

from __future__ import annotations

from collections.abc import Sequence

# The runner-up rule is the advice's private helper on purpose: one rule, so a
# renderer shows a second pattern exactly when the advice's notes name one.
from .advice import ZONE_LABELS, _runner_up
from .report import SoleReport, WearReading

#: Hex digits of a network's sha256 that `models_line` shows.
SHA_DIGITS = 12


def pattern_title(pattern: str) -> str:
    """A wear pattern's name as a title: ``"heel_lateral"`` -> ``"Heel lateral"``.

    Parameters
    ----------
    pattern : str
        One of `contract.PATTERNS` (any other name is titled the same way).

    Returns
    -------
    str
    """
    return pattern.replace("_", " ").capitalize()


def zone_name(zone: str) -> str:
    """A zone's plain name, the one the advice's text uses: ``"heel_lateral"`` -> ``"outer heel"``.

    Parameters
    ----------
    zone : str
        One of `contract.ZONES` (any other name has its underscores spaced).

    Returns
    -------
    str
        Lower case, to sit inside a sentence as well as in a table.
    """
    return ZONE_LABELS.get(zone, zone.replace("_", " "))


def runner_up(reading: WearReading) -> tuple[str, float] | None:
    """The second pattern to show, when the advice mentions one.

    The rule is the advice's own (`advice.RUNNER_UP_GAP`,
    `advice.RUNNER_UP_MIN`), so a renderer shows a runner-up exactly when
    the advice's notes speak of it.

    Parameters
    ----------
    reading : WearReading

    Returns
    -------
    (pattern, probability) or None
        None when no second pattern is close enough to mention.
    """
    name = _runner_up(reading)
    if name is None:
        return None
    return name, float(reading.probabilities[name])


def models_line(models: dict[str, dict]) -> str:
    """The line "Read by ..." naming each network and the start of its sha256.

    Parameters
    ----------
    models : dict
        `PhotoReport.models`: kind (``"segmenter"``, ``"wear"``) to
        ``{"name": ..., "sha256": ...}``.

    Returns
    -------
    str
        E.g. ``"Read by segmenter sole_seg v1 (sha256 ac4a29ad05ed), wear
        wear_cnn v30 (sha256 aad84dc02f76)."``; empty when no model is named.
    """
    named = []
    for kind, m in models.items():
        sha = str(m.get("sha256") or "")[:SHA_DIGITS]
        named.append(f"{kind} {m.get('name', '?')}" + (f" (sha256 {sha})" if sha else ""))
    return f"Read by {', '.join(named)}." if named else ""


def shared_caveats(soles: Sequence[SoleReport]) -> list[str]:
    """Caveats every sole carries and no summary already says, to be shown once.

    Parameters
    ----------
    soles : sequence of SoleReport

    Returns
    -------
    list of str
        In the first sole's order; empty for no sole.
    """
    if not soles:
        return []
    return [
        c
        for c in soles[0].advice.caveats
        if all(c in s.advice.caveats and c not in s.advice.summary for s in soles)
    ]
