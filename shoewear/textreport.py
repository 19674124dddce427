"""A readable terminal report of a `PhotoReport` (``shoewear analyze --format text``)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from .advice import HEAVY_FROM, MILD_BELOW
from .contract import ZONES
from .present import models_line, pattern_title, runner_up, shared_caveats, zone_name
from .report import PairComparison, PhotoReport, SoleReport

#: Width of the text, in characters.
WIDTH = 78
#: Characters of a full zone bar (wear level 1.0).
BAR_WIDTH = 20

#: Zones from the toe down to the heel, the way the sole is pictured.
_ZONE_ORDER = tuple(reversed(ZONES))

_BOLD, _DIM, _RED, _YELLOW, _GREEN, _RESET = (
    "\033[1m",
    "\033[2m",
    "\033[31m",
    "\033[33m",
    "\033[32m",
    "\033[0m",
)


def format_report(report: PhotoReport, *, color: bool = False) -> str:
    """Render a photo's report as plain text for a terminal.

    Parameters
    ----------
    report : PhotoReport
        What was read off one photo (or a left/right pair).
    color : bool
        Add ANSI colour and bold; leave False when the output is not a
        terminal.

    Returns
    -------
    str
        Lines ending in a newline: the file, then per sole its side, pattern
        and confidence (with the runner-up the advice mentions), a bar chart
        of zone wear, the summary, faults with why, drills with how, and the
        reading's own notes; then the left/right block, the caveats once,
        and the models that read the photo; or the error.
    """
    paint = _Painter(color)
    out = [paint.bold(report.file)]
    models = models_line(report.models)
    if report.error:
        out.append(paint.red(f"  error: {report.error}"))
        return "\n".join(out) + "\n"
    if not report.soles:
        out.append("  no sole found")
        out += _models_lines(models, "  ", paint) if models else []
        return "\n".join(out) + "\n"
    shared = shared_caveats(report.soles)
    for i, sole in enumerate(report.soles, start=1):
        out.append("")
        out += _sole_lines(sole, i, len(report.soles), shared, paint)
    if report.asymmetry:
        out.append("")
        out += _asymmetry_lines(report.asymmetry, paint)
    if shared:
        out.append("")
        out.append(paint.bold("Keep in mind"))
        for c in shared:
            out += _wrap(c, "  - ", "    ")
    if models:
        out.append("")
        out += _models_lines(models, "", paint)
    return "\n".join(out) + "\n"


def zone_bar(level: float, *, width: int = BAR_WIDTH) -> str:
    """A text bar for a wear level in [0, 1]: ``#`` worn, ``.`` the rest."""
    level = min(max(float(level), 0.0), 1.0)
    n = round(level * width)
    return "#" * n + "." * (width - n)


class _Painter:
    def __init__(self, on: bool) -> None:
        self.on = on

    def _wrap(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.on else text

    def bold(self, text: str) -> str:
        return self._wrap(_BOLD, text)

    def dim(self, text: str) -> str:
        return self._wrap(_DIM, text)

    def red(self, text: str) -> str:
        return self._wrap(_RED, text)

    def level(self, text: str, value: float) -> str:
        code = _GREEN if value < MILD_BELOW else _YELLOW if value < HEAVY_FROM else _RED
        return self._wrap(code, text)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=first, subsequent_indent=rest) or [
        first.rstrip()
    ]


def _models_lines(models: str, indent: str, paint: _Painter) -> list[str]:
    """The models line, wrapped without parting "sha256" from its digits."""
    # textwrap breaks at ASCII whitespace only, so a no-break space holds the pair.
    lines = _wrap(models.replace("sha256 ", "sha256\u00a0"), indent, indent + "  ")
    return [paint.dim(line.replace("\u00a0", " ")) for line in lines]


def _sole_lines(
    sole: SoleReport, index: int, count: int, shared: Sequence[str], paint: _Painter
) -> list[str]:
    r, a = sole.reading, sole.advice
    head = f"Sole {index} of {count}: {sole.side}"
    if sole.side != "unknown":
        head += f" (side confidence {sole.side_confidence:.2f})"
    out = [paint.bold(head)]
    line = f"  pattern: {pattern_title(r.pattern)} (confidence {r.confidence:.2f})"
    second = runner_up(r)
    if second is not None:
        line += f"; runner-up: {pattern_title(second[0])} ({second[1]:.2f})"
    out.append(line)

    if r.zones:
        out.append("  zone wear (0 = new tread, 1 = worn through):")
        names = [z for z in _ZONE_ORDER if z in r.zones] + [z for z in r.zones if z not in ZONES]
        for z in names:
            value = float(r.zones[z])
            bar = paint.level(zone_bar(value), value)
            out.append(f"    {zone_name(z):<16} {bar} {value:.2f}")

    if a.summary:
        out.append("")
        out += _wrap(a.summary, "  ", "  ")
    if a.faults:
        out.append("")
        out.append(paint.bold("  What the wear may point to"))
        for n, f in enumerate(a.faults, start=1):
            out += _wrap(f.title, f"  {n}. ", "     ")
            out += _wrap(f.why, "     ", "     ")
    if a.drills:
        out.append("")
        out.append(paint.bold("  Drills to try"))
        for d in a.drills:
            out += _wrap(d.name, "  * ", "    ")
            out += _wrap(d.how, "    ", "    ")
    own = [c for c in a.caveats if c not in shared and c not in a.summary]
    if own:
        out.append("")
        out.append(paint.bold("  Notes on this reading"))
        for c in own:
            out += _wrap(c, "  - ", "    ")
    return out


def _asymmetry_lines(asym: PairComparison, paint: _Painter) -> list[str]:
    head = f"Left and right: {asym.verdict}"
    if asym.more_worn:
        head += f", the {asym.more_worn} shoe wears more"
    out = [paint.bold(head)]
    diffs = asym.zone_diff
    if diffs:
        out.append("  zone difference (right minus left):")
        for z in [z for z in _ZONE_ORDER if z in diffs] + [z for z in diffs if z not in ZONES]:
            d = float(diffs[z])
            half = BAR_WIDTH // 2
            n = min(round(abs(d) * half / 0.5), half)  # a 0.5 difference fills one half
            left = (("<" * n) if d < 0 else "").rjust(half, ".")
            right = ((">" * n) if d > 0 else "").ljust(half, ".")
            out.append(f"    {zone_name(z):<16} {left}|{right} {d:+.2f}")
        out.append(paint.dim("    (< left wears more, > right wears more)"))
    if asym.message:
        out += _wrap(asym.message, "  ", "  ")
    for f in asym.faults:
        out += _wrap(f"{f.title}: {f.why}", "  ! ", "    ")
    if asym.drills:
        out.append(paint.bold("  Drills to try"))
        for d in asym.drills:
            out += _wrap(d.name, "  * ", "    ")
            out += _wrap(d.how, "    ", "    ")
    return out
