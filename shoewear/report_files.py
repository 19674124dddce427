"""A photo's report as files to take away: JSON, a PNG page and a PDF.

The pictures (the photo with what was found drawn on it, each canonical sole
with its wear map) are drawn by `draw`; this module only lays them out with
the text of the report, in the words of `present`. Pillow draws the PNG
page; fpdf2 writes the PDF, whose text is real text (selectable, searchable)
in the PDF core font Helvetica, so no font file is looked for on the system.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .contract import ZONES
from .present import models_line, pattern_title, runner_up, shared_caveats, zone_name
from .report import Drill, Fault, PairComparison, PhotoReport, SoleReport

#: Page width in pixels; A4 at 150 dpi is 1240 x 1754.
PAGE_WIDTH = 1240
PAGE_HEIGHT = 1754
PAGE_DPI = 150.0

_MARGIN = 70
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (214, 92, 38)
_BAR_BG = (233, 236, 239)


def report_json(report: PhotoReport) -> str:
    """The report as DESIGN.md's JSON object, pretty-printed.

    Parameters
    ----------
    report : PhotoReport
        What was said about one photo.

    Returns
    -------
    str
        UTF-8 JSON text ending with a newline.
    """
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def report_pages(
    report: PhotoReport,
    *,
    photos: Sequence[np.ndarray] = (),
    soles: Sequence[np.ndarray] = (),
    title: str = "shoewear report",
    page_height: int | None = PAGE_HEIGHT,
) -> list[np.ndarray]:
    """Lay the report out as page images.

    Parameters
    ----------
    report : PhotoReport
        What was said about one photo.
    photos : sequence of (H, W, 3) uint8 ndarray
        The photo (or a left and a right photo) with the soles drawn on it
        (`draw.draw_overlay`); shown side by side.
    soles : sequence of (h, w, 3) uint8 ndarray
        One picture per sole of `report` (`draw.draw_canonical`), in the
        same order; shown side by side.
    title : str
        Heading of the first page.
    page_height : int or None
        Height of each page in pixels; None puts everything on one tall page.

    Returns
    -------
    list of (page_height, PAGE_WIDTH, 3) uint8 ndarray
        The pages, white background. With ``page_height=None`` a single
        page as tall as its content.
    """
    if page_height is not None and page_height < 400:
        raise ValueError(f"page_height must be at least 400 pixels or None, got {page_height}")
    blocks = _report_blocks(report, photos=photos, soles=soles, title=title)
    return _flow(blocks, page_height=page_height)


def report_png(
    report: PhotoReport,
    *,
    photos: Sequence[np.ndarray] = (),
    soles: Sequence[np.ndarray] = (),
    title: str = "shoewear report",
) -> bytes:
    """The report as one tall PNG image (see `report_pages` for the arguments).

    Returns
    -------
    bytes
        PNG file content.
    """
    (page,) = report_pages(report, photos=photos, soles=soles, title=title, page_height=None)
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def report_pdf(
    report: PhotoReport,
    *,
    photos: Sequence[np.ndarray] = (),
    soles: Sequence[np.ndarray] = (),
    title: str = "shoewear report",
) -> bytes:
    """The report as an A4 PDF with real text (see `report_pages` for the arguments).

    One page for a sole, usually two for a pair: the pictures, each sole's
    pattern and confidence (with the runner-up the advice mentions), a table
    of zone wear (with the right-minus-left difference of a pair), faults
    and drills, the left/right comparison, the caveats, and the networks
    that read the photo. Text outside Latin-1 is written in plain
    equivalents (`to_latin1`).

    Returns
    -------
    bytes
        PDF file content.
    """
    pictures = [_as_rgb(p) for p in [*photos, *soles]]  # checked before any drawing
    doc = _PdfReport(title)
    doc.head(report)
    if pictures:
        doc.pictures(pictures[: len(photos)], pictures[len(photos) :])
    if report.soles:
        doc.readings(report.soles)
        doc.zone_table(report.soles, report.asymmetry)
    shared = shared_caveats(report.soles) if report.soles else []
    many = len(report.soles) > 1
    for i, sole in enumerate(report.soles):
        doc.advice(_sole_label(i, sole, report.soles), sole, shared, many=many)
    if report.asymmetry is not None:
        doc.asymmetry(report.asymmetry)
    if shared:
        doc.caveats(shared)
    return doc.output()


def to_latin1(text: str) -> str:
    """`text` in Latin-1, the PDF core fonts' alphabet, with plain stand-ins for the rest.

    Dashes and minus signs become ``-``, curly quotes straight ones,
    ``≥``/``≤`` become ``>=``/``<=``, the ellipsis ``...``, a bullet ``·``,
    letters outside Latin-1 lose their accents (``ő`` -> ``o``), and what is
    left (emoji, other scripts) becomes ``?``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Encodable as Latin-1; Latin-1 text comes back unchanged.
    """
    out = []
    text = _DASH.sub(" - ", text)  # "a—b" and "a — b" alike
    for ch in text.translate(_PLAIN):
        if ord(ch) < 256:
            out.append(ch)
            continue
        # A letter with a mark outside Latin-1 keeps its base letter (NFKD splits them).
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


_DASH = re.compile(r"\s*[\u2014\u2015]\s*")  # em dash, horizontal bar
_PLAIN = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2032": "'",  # prime
        "\u2033": '"',  # double prime
        "\u2026": "...",
        "\u2022": "\u00b7",  # bullet -> middle dot
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2248": "~",
        "\u2260": "!=",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2191": "up",
        "\u2193": "down",
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u202f": " ",  # narrow no-break space
        "\u200b": "",  # zero-width space
        "\u2122": "(TM)",
        "\u20ac": "EUR",
    }
)


def _sole_label(index: int, sole: SoleReport, soles: Sequence[SoleReport]) -> str:
    """The name of a sole: "Left sole", "Right sole", or "Sole 2" when its side is not enough."""
    sides = [s.side for s in soles]
    if sole.side != "unknown" and sides.count(sole.side) == 1:
        return f"{sole.side.capitalize()} sole"
    return f"Sole {index + 1}" if len(soles) > 1 else "Sole"


# ---------------------------------------------------------------- PDF

#: Millimetres: A4 page margins, and the tallest the row of pictures may be.
_PDF_MARGIN = 14.0
_PDF_PICTURES_MAX_H = 68.0
#: Pictures are stored at this resolution of their printed size, as JPEG.
_PDF_PICTURE_DPI = 200
_PDF_BODY, _PDF_SMALL = 9.0, 8.0
#: Millimetres a bulleted line's text starts after its bullet.
_BULLET_W = 2.5


class _PdfReport:
    """An A4 page flow in Helvetica; every text passes through `to_latin1`."""

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        self.title = title
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(_PDF_MARGIN, _PDF_MARGIN, _PDF_MARGIN)
        pdf.set_auto_page_break(True, margin=_PDF_MARGIN + 1)
        pdf.set_title(to_latin1(title))
        pdf.set_creator("shoewear")
        pdf.set_image_filter("DCTDecode")
        pdf.footer = self._footer  # fpdf2 calls it at the foot of every page
        pdf.alias_nb_pages()
        pdf.add_page()
        self.pdf = pdf
        self.width = pdf.w - 2 * _PDF_MARGIN
        #: Ids of the drills whose "how" is already on the page.
        self.explained: set[str] = set()

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # ------------------------------------------------------------ pieces

    def head(self, report: PhotoReport) -> None:
        self._text(self.title, size=17, bold=True, h=8)
        self._text(f"Photo: {report.file}", size=_PDF_BODY, muted=True)
        models = models_line(report.models)
        if models:
            self._text(models, size=_PDF_SMALL, muted=True)
        if report.error:
            self._gap(3)
            self._text(f"Could not read this photo: {report.error}", size=_PDF_BODY + 1)
        elif not report.soles:
            self._gap(3)
            self._text("No sole was found in this photo.", size=_PDF_BODY + 1)

    def pictures(self, photos: Sequence[np.ndarray], soles: Sequence[np.ndarray]) -> None:
        """The photos and the canonical soles in one row, one common height."""
        pdf = self.pdf
        ims = [Image.fromarray(p) for p in [*photos, *soles]]
        gap = 4.0
        avail = self.width - gap * (len(ims) - 1)
        h = min(_PDF_PICTURES_MAX_H, avail / sum(im.width / im.height for im in ims))
        widths = [im.width * h / im.height for im in ims]
        self._gap(3)
        if pdf.will_page_break(h + 5):
            pdf.add_page()
        x, y = _PDF_MARGIN + (avail - sum(widths)) / 2, pdf.get_y()
        for im, w in zip(ims, widths, strict=True):
            pdf.image(_for_print(im, w, h), x=x, y=y, w=w, h=h)
            x += w + gap
        pdf.set_y(y + h + 1)
        caption = []
        if photos:
            caption.append("Photo: outline, zones and side of each sole.")
        if soles:
            caption.append(
                "Wear maps: heel at the bottom, big-toe (medial) side on the right; "
                "red = worn, green = tread as new."
            )
        self._text(" ".join(caption), size=7.5, muted=True, h=3.4)

    def readings(self, soles: Sequence[SoleReport]) -> None:
        """Per sole: pattern and confidence, side, and the runner-up when the advice names one."""
        self._gap(2)
        for i, sole in enumerate(soles):
            r = sole.reading
            self._heading(
                f"{_sole_label(i, sole, soles)}: {pattern_title(r.pattern)} wear "
                f"({r.confidence:.0%} sure)",
                size=13,
                gap=2,
                keep=10,
            )
            side = (
                f"{sole.side} shoe (side {sole.side_confidence:.0%} sure)"
                if sole.side != "unknown"
                else "side unknown"
            )
            second = runner_up(r)
            if second is not None:
                side += f"; runner-up: {pattern_title(second[0])} ({second[1]:.0%})"
            self._text(side, size=_PDF_BODY, muted=True)

    def zone_table(self, soles: Sequence[SoleReport], pair: PairComparison | None) -> None:
        """Zone wear, one bar column per sole, and right minus left for a pair."""
        pdf = self.pdf
        row_h = 4.8
        name_w, value_w = 34.0, 11.0
        diff_w = 44.0 if pair is not None else 0.0
        col_w = (self.width - name_w - diff_w) / len(soles)
        bar_w = col_w - value_w - 3
        zones = [z for z in reversed(ZONES)]  # toe at the top, as the sole is pictured
        self._heading("Wear by zone (0 = as new, 1 = tread gone)", gap=3, keep=row_h * 9)
        y = pdf.get_y()
        self._font(_PDF_SMALL, bold=True)
        pdf.set_xy(_PDF_MARGIN, y)
        pdf.cell(name_w, row_h, "Zone")
        for i, sole in enumerate(soles):
            pdf.cell(col_w, row_h, to_latin1(_sole_label(i, sole, soles)))
        if pair is not None:
            pdf.cell(diff_w, row_h, "Right minus left")
        y += row_h
        pdf.set_draw_color(222, 226, 230)
        for zone in zones:
            pdf.line(_PDF_MARGIN, y, _PDF_MARGIN + self.width, y)
            self._font(_PDF_BODY)
            pdf.set_xy(_PDF_MARGIN, y)
            pdf.cell(name_w, row_h, to_latin1(zone_name(zone)))
            for i, sole in enumerate(soles):
                x = _PDF_MARGIN + name_w + i * col_w
                level = float(np.clip(sole.reading.zones.get(zone, 0.0), 0.0, 1.0))
                self._bar(x, y + 1.2, bar_w, row_h - 2.4, level)
                pdf.set_xy(x + bar_w + 1.5, y)
                self._font(_PDF_SMALL, muted=True)
                pdf.cell(value_w, row_h, f"{level:.2f}")
            if pair is not None and zone in pair.zone_diff:
                d = float(pair.zone_diff[zone])
                x = _PDF_MARGIN + name_w + len(soles) * col_w
                half = (diff_w - value_w - 3) / 2
                pdf.set_fill_color(*_BAR_BG)
                pdf.rect(x, y + 1.2, 2 * half, row_h - 2.4, style="F")
                # A 0.5 difference fills one half; left wear grows leftwards.
                n = min(abs(d) / 0.5, 1.0) * half
                pdf.set_fill_color(*_ACCENT)
                if n > 0:
                    pdf.rect(x + half - (n if d < 0 else 0), y + 1.2, n, row_h - 2.4, style="F")
                pdf.set_draw_color(*_MUTED)
                pdf.line(x + half, y + 0.6, x + half, y + row_h - 0.6)
                pdf.set_draw_color(222, 226, 230)
                pdf.set_xy(x + 2 * half + 1.5, y)
                self._font(_PDF_SMALL, muted=True)
                pdf.cell(value_w, row_h, f"{d:+.2f}")
            y += row_h
        pdf.line(_PDF_MARGIN, y, _PDF_MARGIN + self.width, y)
        pdf.set_xy(_PDF_MARGIN, y + 0.5)
        if pair is not None:
            self._text(
                "Right minus left: a bar to the left of the line means the left shoe wears "
                "more there, to the right the right shoe.",
                size=7.5,
                muted=True,
                h=3.4,
            )

    def advice(self, label: str, sole: SoleReport, shared: Sequence[str], *, many: bool) -> None:
        """What the wear may say: summary, faults, drills and the reading's own notes."""
        a = sole.advice
        self._heading(
            f"{label}: what the wear may say" if many else "What the wear may say",
            size=12,
            gap=4,
            keep=14,
        )
        if a.summary:
            self._text(a.summary, size=_PDF_BODY)
        self._items("Likely form faults", a.faults)
        self._items("Drills to try", a.drills)
        own = [c for c in a.caveats if c not in shared and c not in a.summary]
        if own:
            self._heading("Notes on this reading", size=_PDF_BODY + 0.5, gap=2, keep=8)
            for c in own:
                self._bullet(c)

    def asymmetry(self, pair: PairComparison) -> None:
        verdict = "Asymmetric wear" if pair.asymmetric else "Balanced wear"
        if pair.more_worn:
            verdict += f": the {pair.more_worn} shoe wears more"
        self._heading(f"Left and right: {verdict}", size=12, gap=4, keep=14)
        if pair.message:
            self._text(pair.message, size=_PDF_BODY)
        self._items("What may cause it", pair.faults)
        self._items("Drills for the weaker side", pair.drills)

    def caveats(self, caveats: Sequence[str]) -> None:
        """The caveats every result shows, in two balanced columns (one if too long)."""
        pdf = self.pdf
        gap = 6.0
        col_w = (self.width - gap) / 2
        h = _PDF_SMALL * 0.43
        self._font(_PDF_SMALL)
        heights = [
            pdf.multi_cell(col_w - _BULLET_W, h, to_latin1(c), dry_run=True, output="HEIGHT")
            for c in caveats
        ]
        split = next(
            (i + 1 for i in range(len(heights)) if sum(heights[: i + 1]) >= sum(heights) / 2),
            len(heights),
        )
        need = max(sum(heights[:split]), sum(heights[split:]))
        page_room = pdf.h - 2 * _PDF_MARGIN - 20
        if need > page_room:
            self._heading("Keep in mind", size=12, gap=4, keep=10)
            for c in caveats:
                self._bullet(c)
            return
        self._heading("Keep in mind", size=12, gap=4, keep=need)
        y0 = pdf.get_y()
        for x, column in (
            (_PDF_MARGIN, caveats[:split]),
            (_PDF_MARGIN + col_w + gap, caveats[split:]),
        ):
            pdf.set_y(y0)
            for c in column:
                self._bullet(c, x=x, width=col_w)
        pdf.set_y(y0 + need)

    # ------------------------------------------------------------ helpers

    def _footer(self) -> None:
        pdf = self.pdf
        pdf.set_xy(_PDF_MARGIN, -_PDF_MARGIN + 2)
        self._font(7.5, muted=True)
        text = to_latin1(f"{self.title} - page {pdf.page_no()} of {{nb}}")
        pdf.cell(self.width, 4, text, align="C")

    def _font(self, size: float, *, bold: bool = False, muted: bool = False) -> None:
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.set_text_color(*(_MUTED if muted else _INK))

    def _gap(self, mm: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + mm)

    def _text(
        self,
        text: str,
        *,
        size: float,
        bold: bool = False,
        muted: bool = False,
        h: float | None = None,
        indent: float = 0.0,
    ) -> None:
        pdf = self.pdf
        self._font(size, bold=bold, muted=muted)
        pdf.set_x(_PDF_MARGIN + indent)
        pdf.multi_cell(
            self.width - indent,
            h or size * 0.44,
            to_latin1(text),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def _heading(self, text: str, *, size: float = 11, gap: float = 3, keep: float = 12) -> None:
        """A bold line that never stays at the foot of a page without `keep` mm after it."""
        self._gap(gap)
        if self.pdf.will_page_break(size * 0.5 + keep):
            self.pdf.add_page()
        self._text(text, size=size, bold=True, h=size * 0.5)

    def _items(self, heading: str, items: Sequence[Fault | Drill]) -> None:
        """Faults or drills: the name in bold, then its explanation, in one paragraph.

        A drill already explained higher up (a pair's soles and their
        comparison often share some) is only named again.
        """
        if not items:
            return
        self._heading(heading, size=_PDF_BODY + 0.5, gap=1.5, keep=10)
        again = [d.name for d in items if isinstance(d, Drill) and d.id in self.explained]
        for item in items:
            if isinstance(item, Fault):
                self._named(item.title, item.why)
            elif item.id not in self.explained:
                self._named(item.name, item.how)
                self.explained.add(item.id)
        if again:
            self._named("Also", f"{', '.join(again)} (explained above).")

    def _named(self, name: str, body: str) -> None:
        pdf = self.pdf
        h = _PDF_SMALL * 0.43
        if pdf.will_page_break(2 * h):
            pdf.add_page()
        # write() wraps at the left margin: indent the paragraph by moving it.
        pdf.set_left_margin(_PDF_MARGIN + 2)
        pdf.set_x(_PDF_MARGIN + 2)
        self._font(_PDF_SMALL, bold=True)
        pdf.write(h, to_latin1(f"{name}: "))
        self._font(_PDF_SMALL, muted=True)
        pdf.write(h, to_latin1(body))
        pdf.ln(h + 0.8)
        pdf.set_left_margin(_PDF_MARGIN)

    def _bullet(self, text: str, *, x: float = _PDF_MARGIN, width: float | None = None) -> None:
        """A small muted paragraph after a bullet, its lines hanging clear of the bullet."""
        pdf = self.pdf
        h = _PDF_SMALL * 0.43
        self._font(_PDF_SMALL, muted=True)
        pdf.set_x(x)
        pdf.cell(_BULLET_W, h, "\u00b7")
        pdf.multi_cell(
            (width or self.width) - _BULLET_W, h, to_latin1(text), align="L", new_y="NEXT"
        )

    def _bar(self, x: float, y: float, w: float, h: float, level: float) -> None:
        """A wear bar: `level` in [0, 1] of its width filled."""
        pdf = self.pdf
        pdf.set_fill_color(*_BAR_BG)
        pdf.rect(x, y, w, h, style="F")
        if level > 0:
            pdf.set_fill_color(*_ACCENT)
            pdf.rect(x, y, w * level, h, style="F")


def _for_print(image: Image.Image, w_mm: float, h_mm: float) -> Image.Image:
    """`image` no larger than `_PDF_PICTURE_DPI` at its printed size (keeps the PDF small)."""
    px = (round(w_mm / 25.4 * _PDF_PICTURE_DPI), round(h_mm / 25.4 * _PDF_PICTURE_DPI))
    if image.width <= px[0] and image.height <= px[1]:
        return image
    return image.resize((max(1, px[0]), max(1, px[1])), Image.Resampling.LANCZOS)


# ---------------------------------------------------------------- PNG layout


@dataclass(frozen=True)
class _Block:
    """One unbreakable piece of a page: a picture `height` pixels tall."""

    image: Image.Image
    space_before: int = 0
    #: A heading: never left at the foot of a page without the block after it.
    keep_with_next: bool = False

    @property
    def height(self) -> int:
        return self.image.height


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own font (no font file looked for on the system)."""
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.ImageFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _text_block(
    text: str,
    *,
    size: int = 22,
    bold: bool = False,
    color: tuple[int, int, int] = _INK,
    indent: int = 0,
    space_before: int = 0,
    keep_with_next: bool = False,
) -> _Block:
    font = _font(size)
    width = PAGE_WIDTH - 2 * _MARGIN - indent
    # Pillow's own font draws Latin-1 (no bullet, dash or >= sign): plain stand-ins.
    lines = _wrap(to_latin1(text), font, width)
    line_h = int(size * 1.35)
    img = Image.new("RGB", (PAGE_WIDTH, line_h * len(lines) + 4), "white")
    draw = ImageDraw.Draw(img)
    # Pillow's default font has no bold face: a one-pixel stroke of the ink stands in.
    stroke = 1 if bold else 0
    for i, line in enumerate(lines):
        draw.text(
            (_MARGIN + indent, i * line_h),
            line,
            font=font,
            fill=color,
            stroke_width=stroke,
            stroke_fill=color,
        )
    return _Block(img, space_before=space_before, keep_with_next=keep_with_next)


def _pictures_block(
    pictures: Sequence[np.ndarray], *, max_height: int, space_before: int
) -> _Block:
    """Pictures side by side, scaled to share the page width and `max_height`."""
    ims = [Image.fromarray(_as_rgb(p)) for p in pictures]
    gap = 24
    avail = PAGE_WIDTH - 2 * _MARGIN - gap * (len(ims) - 1)
    # One common height so the row looks even; limited by the width they share.
    h = min(max_height, int(avail / sum(im.width / im.height for im in ims)))
    h = max(h, 1)
    row = Image.new("RGB", (PAGE_WIDTH, h), "white")
    widths = [max(1, round(im.width * h / im.height)) for im in ims]
    x = _MARGIN + (avail - sum(widths)) // 2
    for im, w in zip(ims, widths, strict=True):
        row.paste(im.resize((w, h), Image.Resampling.LANCZOS), (x, 0))
        x += w + gap
    return _Block(row, space_before=space_before)


def _zone_bars_block(zones: dict[str, float], *, space_before: int) -> _Block:
    font = _font(20)
    row_h = 30
    label_w = 230
    bar_w = 520
    order = tuple(reversed(ZONES))  # toe at the top, as the sole is pictured
    img = Image.new("RGB", (PAGE_WIDTH, row_h * len(order) + 4), "white")
    draw = ImageDraw.Draw(img)
    for i, zone in enumerate(order):
        level = float(np.clip(zones.get(zone, 0.0), 0.0, 1.0))
        y = i * row_h
        x0 = _MARGIN + 20
        draw.text((x0, y + 3), to_latin1(zone_name(zone)), font=font, fill=_INK)
        bx = x0 + label_w
        draw.rectangle((bx, y + 6, bx + bar_w, y + row_h - 6), fill=_BAR_BG)
        if level > 0:
            draw.rectangle((bx, y + 6, bx + round(bar_w * level), y + row_h - 6), fill=_ACCENT)
        draw.text((bx + bar_w + 14, y + 3), f"{level:.2f}", font=font, fill=_MUTED)
    return _Block(img, space_before=space_before)


def _listed_blocks(heading: str, items: Sequence[Fault | Drill]) -> list[_Block]:
    if not items:
        return []
    out = [_text_block(heading, bold=True, space_before=16, keep_with_next=True)]
    for item in items:
        name, body = (item.title, item.why) if isinstance(item, Fault) else (item.name, item.how)
        out.append(_text_block(f"• {name}", indent=20, space_before=4, keep_with_next=True))
        out.append(_text_block(body, size=19, color=_MUTED, indent=44))
    return out


def _sole_blocks(index: int, sole: SoleReport, soles: Sequence[SoleReport]) -> list[_Block]:
    r = sole.reading
    side = (
        f"{sole.side} shoe (side confidence {sole.side_confidence:.0%})"
        if sole.side != "unknown"
        else "side unknown"
    )
    second = runner_up(r)
    if second is not None:
        side += f"; runner-up: {pattern_title(second[0])} ({second[1]:.0%})"
    head = f"{_sole_label(index, sole, soles)}: " if len(soles) > 1 else ""
    out = [
        _text_block(
            f"{head}{pattern_title(r.pattern)} wear ({r.confidence:.0%} sure)",
            size=30,
            bold=True,
            space_before=30,
            keep_with_next=True,
        ),
        _text_block(side, color=_MUTED, keep_with_next=True),
    ]
    if sole.advice.summary:
        out.append(_text_block(sole.advice.summary, space_before=8))
    out.append(
        _text_block(
            "Wear by zone (0 = as new, 1 = tread gone)",
            bold=True,
            space_before=16,
            keep_with_next=True,
        )
    )
    out.append(_zone_bars_block(r.zones, space_before=6))
    out += _listed_blocks("Likely form faults", sole.advice.faults)
    out += _listed_blocks("Drills to try", sole.advice.drills)
    return out


def _asymmetry_blocks(pair: PairComparison) -> list[_Block]:
    """The left/right panel."""
    out = [_text_block("Left and right", size=30, bold=True, space_before=30, keep_with_next=True)]
    out.append(
        _text_block(pair.verdict.capitalize(), bold=True, space_before=4, keep_with_next=True)
    )
    if pair.message:
        out.append(_text_block(pair.message, space_before=4))
    if pair.zone_diff:
        out.append(
            _text_block(
                "Right minus left wear, by zone", bold=True, space_before=12, keep_with_next=True
            )
        )
        order = [z for z in reversed(ZONES) if z in pair.zone_diff]
        order += [z for z in pair.zone_diff if z not in ZONES]
        line = ", ".join(f"{zone_name(z)} {float(pair.zone_diff[z]):+.2f}" for z in order)
        out.append(_text_block(line, size=19, color=_MUTED, indent=20))
    out += _listed_blocks("What may cause it", pair.faults)
    out += _listed_blocks("Drills for the weaker side", pair.drills)
    return out


def _report_blocks(
    report: PhotoReport, *, photos: Sequence[np.ndarray], soles: Sequence[np.ndarray], title: str
) -> list[_Block]:
    blocks = [
        _text_block(title, size=40, bold=True),
        _text_block(f"Photo: {report.file}", color=_MUTED, space_before=4),
    ]
    models = models_line(report.models)
    if models:
        blocks.append(_text_block(models, size=18, color=_MUTED, space_before=2))
    if report.error:
        blocks.append(_text_block(f"Could not read this photo: {report.error}", space_before=20))
    if photos:
        blocks.append(_pictures_block(list(photos), max_height=700, space_before=24))
    if soles:
        blocks.append(_pictures_block(list(soles), max_height=520, space_before=20))
    for i, sole in enumerate(report.soles):
        blocks.extend(_sole_blocks(i, sole, report.soles))
    if report.asymmetry is not None:
        blocks.extend(_asymmetry_blocks(report.asymmetry))
    caveats: list[str] = []
    for sole in report.soles:
        caveats.extend(c for c in sole.advice.caveats if c not in caveats)
    if caveats:
        blocks.append(
            _text_block("Keep in mind", size=26, bold=True, space_before=30, keep_with_next=True)
        )
        for c in caveats:
            blocks.append(_text_block(f"• {c}", size=19, color=_MUTED, indent=20, space_before=2))
    return blocks


def _flow(blocks: Sequence[_Block], *, page_height: int | None) -> list[np.ndarray]:
    if page_height is None:
        total = _MARGIN * 2 + sum(b.space_before + b.height for b in blocks)
        page_height = max(total, 400)
        limit = None
    else:
        limit = page_height - _MARGIN
    images = [_fit(b.image, limit) for b in blocks]
    pages = [Image.new("RGB", (PAGE_WIDTH, page_height), "white")]
    y = _MARGIN
    for i, (block, image) in enumerate(zip(blocks, images, strict=True)):
        top = y + block.space_before
        # A heading moves on with what it heads (up to the first block that is not one).
        need = image.height
        j = i
        while blocks[j].keep_with_next and j + 1 < len(blocks):
            j += 1
            need += blocks[j].space_before + images[j].height
        # A chain taller than a whole page cannot move as one: then only overflow breaks.
        chain_fits = need <= limit - _MARGIN if limit is not None else True
        overflow = limit is not None and top + image.height > limit
        if limit is not None and y > _MARGIN and (overflow or (top + need > limit and chain_fits)):
            pages.append(Image.new("RGB", (PAGE_WIDTH, page_height), "white"))
            top = _MARGIN
        pages[-1].paste(image, (0, top))
        y = top + image.height
    return [np.asarray(p, dtype=np.uint8) for p in pages]


def _fit(image: Image.Image, limit: int | None) -> Image.Image:
    """Shrink a block taller than a page to fit, rather than cut it."""
    if limit is None or image.height <= limit - _MARGIN:
        return image
    scale = (limit - _MARGIN) / image.height
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return _recentre(image.resize(size, Image.Resampling.LANCZOS))


def _recentre(image: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (PAGE_WIDTH, image.height), "white")
    canvas.paste(image, ((PAGE_WIDTH - image.width) // 2, 0))
    return canvas


def _as_rgb(picture: np.ndarray) -> np.ndarray:
    arr = np.asarray(picture)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"pictures must be (H, W, 3) RGB arrays, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"pictures must be uint8, got {arr.dtype}")
    return arr[:, :, :3]
