"""A photo's report as files to take away: JSON, a PNG page and a PDF.

The pictures (the photo with what was found drawn on it, each canonical sole
with its wear map) are drawn by `render`; this module only lays them out with
the text of the report. Pillow writes both the PNG and the PDF, so no extra
dependency is needed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .contract import ZONES
from .report import PhotoReport, SoleReport

#: Page width in pixels; A4 at 150 dpi is 1240 x 1754.
PAGE_WIDTH = 1240
PAGE_HEIGHT = 1754
PAGE_DPI = 150.0

_MARGIN = 70
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (214, 92, 38)
_BAR_BG = (233, 236, 239)
_REGULAR_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "DejaVuSans.ttf",
)
_BOLD_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "DejaVuSans-Bold.ttf",
)


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
        (`render.draw_overlay`); shown side by side.
    soles : sequence of (h, w, 3) uint8 ndarray
        One picture per sole of `report` (`render.draw_canonical`), in the
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
    """The report as an A4 PDF (see `report_pages` for the arguments).

    Returns
    -------
    bytes
        PDF file content, one A4 page per page of `report_pages`.
    """
    pages = [
        Image.fromarray(p) for p in report_pages(report, photos=photos, soles=soles, title=title)
    ]
    buf = io.BytesIO()
    pages[0].save(
        buf,
        format="PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=PAGE_DPI,
        title=title,
        creator="shoewear",
    )
    return buf.getvalue()


# ---------------------------------------------------------------- layout


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


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _BOLD_FONTS if bold else _REGULAR_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
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
    font = _font(size, bold=bold)
    width = PAGE_WIDTH - 2 * _MARGIN - indent
    lines = _wrap(text, font, width)
    line_h = int(size * 1.35)
    img = Image.new("RGB", (PAGE_WIDTH, line_h * len(lines) + 4), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((_MARGIN + indent, i * line_h), line, font=font, fill=color)
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
    img = Image.new("RGB", (PAGE_WIDTH, row_h * len(ZONES) + 4), "white")
    draw = ImageDraw.Draw(img)
    for i, zone in enumerate(ZONES):
        level = float(np.clip(zones.get(zone, 0.0), 0.0, 1.0))
        y = i * row_h
        x0 = _MARGIN + 20
        draw.text((x0, y + 3), zone.replace("_", " "), font=font, fill=_INK)
        bx = x0 + label_w
        draw.rectangle((bx, y + 6, bx + bar_w, y + row_h - 6), fill=_BAR_BG)
        if level > 0:
            draw.rectangle((bx, y + 6, bx + round(bar_w * level), y + row_h - 6), fill=_ACCENT)
        draw.text((bx + bar_w + 14, y + 3), f"{level:.2f}", font=font, fill=_MUTED)
    return _Block(img, space_before=space_before)


def _sole_blocks(index: int, sole: SoleReport, *, many: bool) -> list[_Block]:
    r = sole.reading
    ranked = sorted(r.probabilities.items(), key=lambda kv: kv[1], reverse=True)
    runner_up = next(((p, v) for p, v in ranked if p != r.pattern), None)
    head = f"Sole {index + 1}: " if many else ""
    side = f"{sole.side} shoe" if sole.side != "unknown" else "side unknown"
    second = ""
    if runner_up:
        second = f"; runner-up: {runner_up[0].replace('_', ' ')} ({runner_up[1]:.0%})"
    out = [
        _text_block(
            f"{head}{r.pattern.replace('_', ' ')} wear ({r.confidence:.0%})",
            size=30,
            bold=True,
            space_before=30,
            keep_with_next=True,
        ),
        _text_block(
            f"{side} (side confidence {sole.side_confidence:.0%}){second}",
            color=_MUTED,
            keep_with_next=True,
        ),
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
    if sole.advice.faults:
        out.append(
            _text_block("Likely form faults", bold=True, space_before=16, keep_with_next=True)
        )
        for f in sole.advice.faults:
            out.append(_text_block(f"• {f.title}", indent=20, space_before=4, keep_with_next=True))
            out.append(_text_block(f.why, size=19, color=_MUTED, indent=44))
    if sole.advice.drills:
        out.append(_text_block("Drills to try", bold=True, space_before=16, keep_with_next=True))
        for d in sole.advice.drills:
            out.append(_text_block(f"• {d.name}", indent=20, space_before=4, keep_with_next=True))
            out.append(_text_block(d.how, size=19, color=_MUTED, indent=44))
    return out


def _asymmetry_blocks(asymmetry: dict) -> list[_Block]:
    """The left/right panel, from `advice.compare_pair`'s dict."""
    out = [_text_block("Left and right", size=30, bold=True, space_before=30, keep_with_next=True)]
    verdict = asymmetry.get("verdict")
    if verdict:
        out.append(
            _text_block(str(verdict).capitalize(), bold=True, space_before=4, keep_with_next=True)
        )
    if asymmetry.get("message"):
        out.append(_text_block(str(asymmetry["message"]), space_before=4))
    diff = asymmetry.get("zone_diff") or {}
    if diff:
        out.append(
            _text_block(
                "Right minus left wear, by zone", bold=True, space_before=12, keep_with_next=True
            )
        )
        line = ", ".join(f"{z.replace('_', ' ')} {float(d):+.2f}" for z, d in diff.items())
        out.append(_text_block(line, size=19, color=_MUTED, indent=20))
    for f in asymmetry.get("faults") or ():
        out.append(
            _text_block(f"• {f.get('title', '')}", indent=20, space_before=4, keep_with_next=True)
        )
        out.append(_text_block(str(f.get("why", "")), size=19, color=_MUTED, indent=44))
    for d in asymmetry.get("drills") or ():
        out.append(
            _text_block(f"• {d.get('name', '')}", indent=20, space_before=4, keep_with_next=True)
        )
        out.append(_text_block(str(d.get("how", "")), size=19, color=_MUTED, indent=44))
    return out


def _report_blocks(
    report: PhotoReport, *, photos: Sequence[np.ndarray], soles: Sequence[np.ndarray], title: str
) -> list[_Block]:
    blocks = [
        _text_block(title, size=40, bold=True),
        _text_block(f"Photo: {report.file}", color=_MUTED, space_before=4),
    ]
    if report.error:
        blocks.append(_text_block(f"Could not read this photo: {report.error}", space_before=20))
    if photos:
        blocks.append(_pictures_block(list(photos), max_height=700, space_before=24))
    if soles:
        blocks.append(_pictures_block(list(soles), max_height=520, space_before=20))
    many = len(report.soles) > 1
    for i, sole in enumerate(report.soles):
        blocks.extend(_sole_blocks(i, sole, many=many))
    if report.asymmetry:
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
