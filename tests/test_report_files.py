import io
import json
import os

import numpy as np
import pytest
from PIL import Image, ImageFont
from pypdf import PdfReader

from shoewear.advice import advise, compare_pair
from shoewear.contract import PATTERNS, ZONES
from shoewear.present import zone_name
from shoewear.report import (
    Advice,
    Drill,
    Fault,
    PairComparison,
    PhotoReport,
    SoleReport,
    WearReading,
)
from shoewear.report_files import (
    PAGE_WIDTH,
    report_json,
    report_pages,
    report_pdf,
    report_png,
    to_latin1,
)

MODELS = {
    "segmenter": {"name": "sole_seg v1", "sha256": "ac4a29ad05ed0f1d65e508092338d072"},
    "wear": {"name": "wear_cnn v30", "sha256": "aad84dc02f76035bcc3b31ee1e9153af"},
}
A4_POINTS = (595.28, 841.89)


def _sole(
    pattern="heel_lateral", side="left", n_drills=2, caveat="Wear is a hint, not a diagnosis."
):
    probs = {p: 0.02 for p in PATTERNS}
    probs[pattern] = 1.0 - 0.02 * (len(PATTERNS) - 1)
    reading = WearReading(
        pattern=pattern,
        confidence=probs[pattern],
        probabilities=probs,
        zones={z: i / len(ZONES) for i, z in enumerate(ZONES)},
        side=side,
    )
    advice = Advice(
        faults=(Fault("overstride", "Overstriding", "The foot lands ahead of the body."),),
        drills=tuple(
            Drill(f"d{i}", f"Drill number {i}", "Do it slowly, " * 30) for i in range(n_drills)
        ),
        caveats=(caveat,),
    )
    return SoleReport(
        side=side, side_confidence=0.8, box=(1, 2, 30, 40), reading=reading, advice=advice
    )


def _report(n=1):
    soles = tuple(_sole(side=s) for s in ("left", "right")[:n])
    asym = PairComparison(
        zone_diff={"heel_lateral": -0.3},
        max_zone="heel_lateral",
        max_diff=0.3,
        threshold=0.2,
        verdict="asymmetric",
        more_worn="left",
        left_pattern="heel_lateral",
        right_pattern="heel_lateral",
        message="The left heel is worn more.",
        evidence="anecdotal",
        faults=(Fault("f", "Pelvic drop", "One side loads more."),),
        drills=(Drill("d", "Side plank", "Hold 30 s."),),
    )
    return PhotoReport(
        file="pair.jpg", soles=soles, asymmetry=asym if n == 2 else None, models=MODELS
    )


def _advised(pattern, side, *, level=0.8, conf=0.8, runner="even", p2=None):
    """A sole with the advice's own text, `runner` at probability `p2`."""
    p2 = (1.0 - conf) / (len(PATTERNS) - 1) if p2 is None else p2
    rest = (1.0 - conf - p2) / (len(PATTERNS) - 2)
    probs = {p: rest for p in PATTERNS}
    probs[pattern], probs[runner] = conf, p2
    zones = {z: 0.2 for z in ZONES}
    zones.update({"heel_lateral": level, "forefoot_medial": level - 0.1})
    r = WearReading(pattern, conf, probs, zones, side)
    return SoleReport(side, 0.9, (0, 0, 10, 10), r, advise(r))


def _pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    """The PDF's pages and its text, whitespace collapsed (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def _pictures():
    photo = np.full((300, 400, 3), 90, np.uint8)
    canon = np.full((256, 128, 3), 200, np.uint8)
    return photo, canon


def test_json_is_the_design_object():
    data = json.loads(report_json(_report(2)))
    assert data["file"] == "pair.jpg"
    assert [s["side"] for s in data["soles"]] == ["left", "right"]
    assert data["soles"][0]["pattern"] == "heel_lateral"
    assert data["asymmetry"]["message"].startswith("The left")
    assert data["error"] is None


@pytest.mark.parametrize("n", [1, 2])
def test_png_holds_the_pictures(n):
    photo, canon = _pictures()
    png = report_png(_report(n), photos=[photo], soles=[canon] * n)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert image.shape[1] == PAGE_WIDTH
    # The grey photo was pasted somewhere: a run of its exact colour exists.
    assert (np.all(image == 90, axis=2)).sum() > 10_000
    assert (np.all(image == 200, axis=2)).sum() > 2_000


def test_pdf_is_one_or_two_a4_pages_of_text_and_pictures():
    photo, canon = _pictures()
    pdf = report_pdf(_report(2), photos=[photo], soles=[canon, 255 - canon])
    assert pdf.startswith(b"%PDF")
    reader, text = _pdf_text(pdf)
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4_POINTS, abs=0.1
        )
    assert len(reader.pages[0].images) == 3  # the photo and both wear maps
    assert "Heel lateral wear" in text
    for zone in ZONES:
        assert zone_name(zone) in text
    assert "Wear is a hint, not a diagnosis." in text
    assert "Overstriding" in text and "Drill number 1" in text
    assert "Left and right: Asymmetric wear" in text and "Pelvic drop" in text
    assert "Right minus left" in text and "-0.30" in text
    assert "sole_seg v1 (sha256 ac4a29ad05ed)" in text
    assert "wear_cnn v30 (sha256 aad84dc02f76)" in text


def test_pdf_uses_only_the_core_fonts():
    reader = PdfReader(io.BytesIO(report_pdf(_report(2))))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            assert "/FontFile2" not in str(font.get("/FontDescriptor", ""))
    assert fonts <= {"/Helvetica", "/Helvetica-Bold"}


def test_a_heavy_pair_fits_two_pages():
    left = _advised("heel_central", "left", level=0.9, conf=0.45, runner="medial", p2=0.35)
    right = _advised("medial", "right", level=0.9, conf=0.62, runner="forefoot", p2=0.3)
    report = PhotoReport(
        "l.jpg + r.jpg",
        soles=(left, right),
        asymmetry=compare_pair(left.reading, right.reading),
        models=MODELS,
    )
    photo = np.full((1024, 768, 3), 120, np.uint8)
    canon = np.full((512, 256, 3), 200, np.uint8)
    pdf = report_pdf(report, photos=[photo, photo], soles=[canon, canon])
    reader, text = _pdf_text(pdf)
    assert len(reader.pages) == 2
    for caveat in left.advice.caveats:  # each said once: per sole, or under "Keep in mind"
        assert " ".join(caveat.split()) in text


@pytest.mark.parametrize(
    ("p1", "p2", "shown"),
    [(0.90, 0.05, False), (0.70, 0.24, False), (0.60, 0.26, True), (0.45, 0.31, True)],
)
def test_pdf_names_the_runner_up_only_when_the_advice_does(p1, p2, shown):
    sole = _advised("heel_lateral", "right", conf=p1, runner="lateral_edge", p2=p2)
    assert any("'lateral_edge'" in c for c in sole.advice.caveats) is shown
    _, text = _pdf_text(report_pdf(PhotoReport("a.jpg", soles=(sole,))))
    assert ("runner-up: Lateral edge" in text) is shown
    if shown:
        assert f"runner-up: Lateral edge ({p2:.0%})" in text


def test_pdf_writes_text_outside_latin1_plainly():
    caveat = "Raise cadence 5\u201310% \u2014 \u201cslowly\u201d, \u2265 2 weeks\u2026 \U0001f45f"
    report = PhotoReport("Stra\u00dfe \u0151.jpg", soles=(_sole(caveat=caveat),))
    _, text = _pdf_text(report_pdf(report))
    assert 'Raise cadence 5-10% - "slowly", >= 2 weeks... ?' in text
    assert "Stra\u00dfe o.jpg" in text  # Latin-1 kept, a foreign accent dropped


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("plain ASCII", "plain ASCII"),
        ("caf\u00e9 \u00bd \u00b0C", "caf\u00e9 \u00bd \u00b0C"),  # Latin-1 stays
        ("5\u201310%", "5-10%"),
        ("a\u2014b", "a - b"),
        ("a \u2014 b", "a - b"),
        ("\u2212 0.3", "- 0.3"),
        ("\u2018it\u2019s\u2019 \u201cso\u201d", "'it's' \"so\""),
        ("\u2264 1 \u2265 0", "<= 1 >= 0"),
        ("wait\u2026", "wait..."),
        ("\u2022 item", "\u00b7 item"),
        ("\u0150d\u0151n \u0107", "Odon c"),
        ("\U0001f45f \u978b", "? ?"),
    ],
)
def test_to_latin1(text, plain):
    out = to_latin1(text)
    assert out == plain
    out.encode("latin-1")


def test_longer_report_makes_taller_png():
    short = report_pages(_report(1), page_height=None)[0]
    long = report_pages(PhotoReport("x.jpg", soles=(_sole(n_drills=6),)), page_height=None)[0]
    assert long.shape[0] > short.shape[0]


def test_asymmetry_panel_adds_to_the_page():
    one_sided = PhotoReport("p.jpg", soles=_report(2).soles)
    with_panel = _report(2)
    short = report_pages(one_sided, page_height=None)[0]
    long = report_pages(with_panel, page_height=None)[0]
    assert long.shape[0] > short.shape[0] + 100


def test_error_report_still_exports():
    report = PhotoReport(file="bad.jpg", error="no sole found", models=MODELS)
    assert json.loads(report_json(report))["error"] == "no sole found"
    reader, text = _pdf_text(report_pdf(report))
    assert len(reader.pages) == 1
    assert "Could not read this photo: no sole found" in text
    assert report_png(report).startswith(b"\x89PNG")


def test_png_uses_no_font_file(monkeypatch):
    real = ImageFont.truetype

    def from_memory_only(font=None, *args, **kwargs):
        assert not isinstance(font, str | os.PathLike), f"font file looked for: {font}"
        return real(font, *args, **kwargs)

    monkeypatch.setattr(ImageFont, "truetype", from_memory_only)
    assert report_png(_report(2)).startswith(b"\x89PNG")


def test_huge_picture_is_shrunk_to_the_page():
    tall = np.zeros((5000, 100, 3), np.uint8)
    pages = report_pages(PhotoReport("t.jpg"), photos=[tall])
    assert all(p.shape[0] == 1754 for p in pages)


@pytest.mark.parametrize(
    ("picture", "match"),
    [
        (np.zeros((10, 10, 3), np.float32), "uint8"),
        (np.zeros((10, 10, 2), np.uint8), "RGB"),
    ],
)
@pytest.mark.parametrize("render", [report_png, report_pdf])
def test_bad_pictures_are_refused(picture, match, render):
    with pytest.raises(ValueError, match=match):
        render(_report(1), photos=[picture])


def test_bad_page_height_is_refused():
    with pytest.raises(ValueError, match="page_height"):
        report_pages(_report(1), page_height=10)


def _solid(height, value, keep=False):
    from shoewear.report_files import _Block

    image = Image.new("RGB", (PAGE_WIDTH, height), (value, value, value))
    return _Block(image, keep_with_next=keep)


@pytest.mark.parametrize("keep", [True, False])
def test_a_heading_moves_to_the_next_page_with_its_body(keep):
    from shoewear.report_files import _flow

    blocks = [_solid(1500, 10), _solid(40, 20, keep=keep), _solid(300, 30)]
    pages = _flow(blocks, page_height=1754)
    assert len(pages) == 2
    heading_on = [i for i, p in enumerate(pages) if (p == 20).all(axis=2).any()]
    assert heading_on == ([1] if keep else [0])


def test_a_chain_taller_than_a_page_still_flows():
    from shoewear.report_files import _flow

    blocks = [_solid(100, 10), *[_solid(500, 20, keep=True) for _ in range(5)], _solid(50, 30)]
    pages = _flow(blocks, page_height=1754)
    assert sum((p == 20).all(axis=2).any(axis=1).sum() for p in pages) == 2500
