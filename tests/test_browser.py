"""End to end in a real browser: start the app, upload a sample photo, read the result.

Needs Debian's Chromium at /usr/bin/chromium (CI installs it). Set
SHOEWEAR_SCREENSHOT=path.png to keep a screenshot of the page with its result.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shoewear.contract import PATTERNS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = ROOT / "samples" / "sole_left.jpg"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    env = dict(os.environ, SHOEWEAR_FEEDBACK_DIR=str(tmp_path / "feedback"))
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "the app did not start:\n" + (tmp_path / "streamlit.log").read_text()[-2000:]
                )
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _twelve_megapixel_copy(src: Path, dst: Path) -> Path:
    """`src` enlarged to 4000 px wide with sensor-like noise, as a 12 MP phone JPEG."""
    import numpy as np
    from PIL import Image

    with Image.open(src) as im:
        big = im.convert("RGB").resize((4000, round(4000 * im.height / im.width)))
    rgb = np.asarray(big).astype(np.int16)
    rgb += np.random.default_rng(0).normal(0, 3, rgb.shape).astype(np.int16)
    Image.fromarray(rgb.clip(0, 255).astype(np.uint8)).save(dst, quality=92)
    return dst


def test_upload_a_sample_and_see_pattern_and_drills(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    titles = {p.replace("_", " ").capitalize() for p in PATTERNS}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(app_url, wait_until="domcontentloaded")
            file_input = page.locator("input[type=file]").first
            file_input.wait_for(state="attached", timeout=60_000)
            t0 = time.perf_counter()
            file_input.set_input_files(str(SAMPLE))
            # The last line of a result page says how long the reading took.
            expect(page.get_by_text("Read in ").first).to_be_visible(timeout=60_000)
            seconds = time.perf_counter() - t0
            print(f"upload -> result in the browser: {seconds:.2f} s ({SAMPLE.name})")
            pattern = page.locator('[data-testid="stMetricValue"]').first
            assert pattern.inner_text().strip() in titles
            expect(page.get_by_text("Drills to try").first).to_be_visible()
            drills = page.locator('[data-testid="stExpander"] summary')
            expect(drills.nth(1)).to_be_visible()  # a drill besides the correction panel
            assert drills.nth(0).inner_text().strip()
            expect(page.get_by_text("not a diagnosis").first).to_be_visible()
            shot = os.environ.get("SHOEWEAR_SCREENSHOT")
            if shot:
                page.wait_for_timeout(1500)  # let the chart and pictures settle
                page.screenshot(path=shot, animations="disabled")
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Report (PDF)").click()
            pdf = Path(download.value.path()).read_bytes()
            assert pdf.startswith(b"%PDF")
            print(f"PDF report downloaded: {len(pdf) / 1e3:.0f} kB")

            big = _twelve_megapixel_copy(SAMPLE, tmp_path / "phone_12mp.jpg")
            t0 = time.perf_counter()
            file_input.set_input_files(str(big))
            expect(page.get_by_text(f"{big.name}: outline").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Read in ").first).to_be_visible(timeout=60_000)
            seconds = time.perf_counter() - t0
            print(
                f"upload -> result in the browser: {seconds:.2f} s (12 MP, {big.name}, "
                f"{big.stat().st_size / 1e6:.1f} MB)"
            )
        finally:
            browser.close()
