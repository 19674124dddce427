import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from shoewear.contract import PATTERNS, ZONES
from shoewear.report import Advice, Drill, Fault, PhotoReport, SoleReport, WearReading
from shoewear.report_files import PAGE_WIDTH, report_json, report_pages, report_pdf, report_png


def _sole(pattern="heel_lateral", side="left", n_drills=2):
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
        caveats=("Wear is a hint, not a diagnosis.",),
    )
    return SoleReport(
        side=side, side_confidence=0.8, box=(1, 2, 30, 40), reading=reading, advice=advice
    )


def _report(n=1):
    soles = tuple(_sole(side=s) for s in ("left", "right")[:n])
    asym = {
        "verdict": "asymmetric",
        "message": "The left heel is worn more.",
        "zone_diff": {"heel_lateral": -0.3},
        "faults": [{"id": "f", "title": "Pelvic drop", "why": "One side loads more."}],
        "drills": [{"id": "d", "name": "Side plank", "how": "Hold 30 s."}],
    }
    return PhotoReport(file="pair.jpg", soles=soles, asymmetry=asym if n == 2 else None)


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


def test_pdf_is_a4_pages():
    photo, canon = _pictures()
    pdf = report_pdf(_report(2), photos=[photo], soles=[canon, canon])
    assert pdf.startswith(b"%PDF")
    pages = report_pages(_report(2), photos=[photo], soles=[canon, canon])
    assert len(pages) >= 2  # two soles with long drills overflow one page
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == len(pages)
    assert all(p.shape == (1754, PAGE_WIDTH, 3) for p in pages)


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
    report = PhotoReport(file="bad.jpg", error="no sole found")
    assert json.loads(report_json(report))["error"] == "no sole found"
    assert report_pdf(report).startswith(b"%PDF")
    assert report_png(report).startswith(b"\x89PNG")


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
def test_bad_pictures_are_refused(picture, match):
    with pytest.raises(ValueError, match=match):
        report_png(_report(1), photos=[picture])


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
