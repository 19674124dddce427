"""shoewear in the browser: upload a photo of a running shoe's sole, see the wear, get advice.

Run with ``streamlit run streamlit_app.py`` (``make app``). The page only
collects input and shows results: every computation is a call into the
`shoewear` package, and `shoewear.analyze` is the one call an upload makes.
The networks are the shipped ones, or the files named by ``$SHOEWEAR_MODEL``
and ``$SHOEWEAR_SEGMENTER`` (read here, at the edge, and nowhere else).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from shoewear.contract import PATTERNS, ZONES
from shoewear.errors import ShoewearError
from shoewear.pipeline import Analysis, Models, analyze, pair_report
from shoewear.present import models_line, pattern_title, runner_up, zone_name
from shoewear.report import PairComparison, PhotoReport, SoleReport

#: Largest upload taken, in bytes (`server.maxUploadSize` in .streamlit/config.toml agrees).
UPLOAD_MAX_BYTES = 25 * 1024 * 1024
UPLOAD_TYPES = ("jpg", "jpeg", "png", "webp", "heic", "heif")
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
#: Titles of the shipped sample photos, by file name.
SAMPLE_TITLES = {
    "sole_left.jpg": "One sole (a left shoe)",
    "sole_right.jpg": "One sole (a right shoe)",
    "pair.jpg": "A pair in one photo",
}
MODES = ("Upload a photo", "Try a sample", "Take a photo", "Left and right photos")
SIDE_CHOICES = ("auto", "left", "right")
ACCENT = "#d65c26"
PHOTO_TIPS = (
    "Tips: photograph the sole from straight below, toe up, in even light, on a plain "
    "background, with the sole filling most of the frame; JPEG, PNG, WebP or HEIC up to 25 MB."
)
DEFAULT_CAVEAT = (
    "Wear is a hint, not a diagnosis: it comes from friction, not impact, and shoe design, "
    "surfaces and mileage change it too. Pain, injury or a strong left/right difference call "
    "for a physiotherapist or a video gait analysis."
)


# ----------------------------------------------------------------- library calls


def general_caveats() -> tuple[str, ...]:
    """The caveats every result shows, from the knowledge base."""
    try:
        from shoewear.knowledge import load_knowledge

        return tuple(load_knowledge().caveats)
    except (ImportError, ShoewearError):
        return (DEFAULT_CAVEAT,)


@dataclass
class Shown:
    """One photo read through, with the pictures the page shows."""

    analysis: Analysis
    overlay: np.ndarray | None = None
    soles: list[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def report(self) -> PhotoReport:
        return self.analysis.report


@st.cache_resource(show_spinner="Loading the networks...")
def cached_models() -> Models:
    return load_models()


def load_models() -> Models:
    """The shipped networks, or those named by ``$SHOEWEAR_SEGMENTER`` / ``$SHOEWEAR_MODEL``."""
    return Models.load(
        segmenter=os.environ.get("SHOEWEAR_SEGMENTER") or None,
        wear=os.environ.get("SHOEWEAR_MODEL") or None,
    )


def read_upload(
    data: bytes, models: Models, *, name: str, side: str | None = None,
    max_bytes: int = UPLOAD_MAX_BYTES,
) -> Shown:
    """Read an upload's bytes and draw what explains the reading."""
    from shoewear.draw import draw_analysis

    t0 = time.perf_counter()
    if len(data) > max_bytes:
        error = (f"{name}: {len(data) / 2**20:.1f} MB is over the app's "
                 f"{max_bytes / 2**20:.0f} MB limit; send a smaller photo")
        return Shown(Analysis(PhotoReport(file=name, error=error, models=models.info())))
    result = analyze(data, models, name=name, side=side)
    if result.report.error:
        return Shown(result)
    overlay, soles = draw_analysis(result)
    return Shown(result, overlay=overlay, soles=soles, seconds=time.perf_counter() - t0)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_analysis(data: bytes, name: str, side: str | None, _models: Models, key: str) -> Shown:
    return read_upload(data, _models, name=name, side=side)


# ----------------------------------------------------------------- page pieces


def sidebar_ui(models: Models) -> str | None:
    """The sidebar: side override, model, feedback folder. Returns the side override."""
    from shoewear.feedback import ENV_VAR, feedback_dir

    with st.sidebar:
        st.header("Settings")
        choice = st.radio(
            "Side of the shoe",
            SIDE_CHOICES,
            horizontal=True,
            key="side_override",
            help="Leave on auto; pick left or right when the guess for a one-sole photo is wrong.",
        )
        st.caption(models_line(models.info()))
        st.divider()
        st.subheader("Retraining")
        folder = feedback_dir()
        st.markdown(
            "Photos you correct and save go to\n\n"
            f"`{folder}`\n\n(set `{ENV_VAR}` to change it). Nothing is saved unless you press "
            "**Save for retraining**."
        )
        st.markdown("Retrain the wear model on them, then run the app with the new model:")
        st.code(
            retrain_command(folder, model_dir=_model_dir(models)), language="bash",
            wrap_lines=True
        )
        st.caption(
            "A few corrected photos teach little on their own: copy them into a bigger "
            "training folder (e.g. one made with `shoewear synth`) before retraining."
        )
    return None if choice == "auto" else choice


def _model_dir(models: Models) -> Path | None:
    """The folder of a wear model the user gave; None for the shipped one."""
    info = models.wear.info if models.wear is not None else None
    return None if info is None or info.shipped else info.path.parent


def retrain_command(folder: Path, *, model_dir: Path | None) -> str:
    """The commands that fine-tune the model on the feedback folder and use the result.

    Parameters
    ----------
    folder : Path
        The feedback folder (`feedback.feedback_dir`).
    model_dir : Path or None
        The folder of the model in use; None trains from scratch.
    """
    import shlex

    start = f" --from {shlex.quote(_shown_path(model_dir))}" if model_dir is not None else ""
    return (
        f"shoewear train {shlex.quote(str(folder))}{start} --out models/retrained\n"
        "SHOEWEAR_MODEL=models/retrained make app"
    )


def input_ui() -> tuple[str, list[tuple[str, bytes]]]:
    """Where the photo comes from. Returns the mode and (name, bytes) per photo."""
    mode = st.radio("Photo", MODES, horizontal=True, label_visibility="collapsed", key="mode")
    files: list[tuple[str, bytes]] = []
    if mode == MODES[0]:
        up = st.file_uploader(
            "A photo of the sole (or both soles side by side), toe up, filling most of the frame",
            type=list(UPLOAD_TYPES),
            key="upload",
        )
        if up is not None:
            files.append((up.name, up.getvalue()))
    elif mode == MODES[1]:
        samples = sorted(SAMPLES_DIR.glob("*.jpg"))
        if not samples:
            st.warning(f"No sample photos found in {SAMPLES_DIR}.")
        else:
            pick = st.selectbox(
                "Sample photo",
                samples,
                format_func=lambda p: SAMPLE_TITLES.get(p.name, p.stem.replace("_", " ")),
                key="sample",
            )
            files.append((pick.name, pick.read_bytes()))
    elif mode == MODES[2]:
        shot = st.camera_input("Hold the shoe sole-up, toe at the top", key="camera")
        if shot is not None:
            files.append(("camera.jpg", shot.getvalue()))
    else:
        left_col, right_col = st.columns(2)
        left = left_col.file_uploader("Left shoe", type=list(UPLOAD_TYPES), key="upload_left")
        right = right_col.file_uploader("Right shoe", type=list(UPLOAD_TYPES), key="upload_right")
        for up in (left, right):
            files.append((up.name, up.getvalue()) if up is not None else ("", b""))
    return mode, files


def pictures_ui(analyses: Sequence[Shown]) -> None:
    """The photo(s) with what was found, and each canonical sole with its wear map."""
    canon = [img for a in analyses for img in a.soles]
    sides = [s.side for a in analyses for s in a.report.soles]
    cols = st.columns([3.0] * len(analyses) + [1.1] * len(canon), vertical_alignment="top")
    for col, a in zip(cols, analyses, strict=False):
        if a.overlay is not None:
            col.image(a.overlay, caption=f"{a.report.file}: outline, zones and side")
    for col, img, side in zip(cols[len(analyses) :], canon, sides, strict=True):
        col.image(img, caption=f"{side} sole: wear map", width="stretch")
    st.caption(
        "Wear maps: heel at the bottom, big-toe (medial) side on the right; red = worn, "
        "green = tread as new."
    )


def sole_ui(sole: SoleReport, key: str) -> None:
    """Pattern, zone chart, faults and drills of one sole."""
    r = sole.reading
    # The runner-up the advice names, if any; the card stays so the layout does not jump.
    runner = runner_up(r)
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Wear pattern",
        pattern_title(r.pattern),
        f"{r.confidence:.0%} sure",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    c2.metric(
        "Runner-up",
        pattern_title(runner[0]) if runner else "None close",
        f"{runner[1]:.0%}" if runner else "the call is clear",
        delta_color="off",
        delta_arrow="off",
        border=True,
        help="A second pattern is named when it comes close to the first.",
    )
    c3.metric(
        "Side",
        sole.side,
        f"{sole.side_confidence:.0%} sure",
        delta_color="off",
        delta_arrow="off",
        border=True,
        help="Wrong? Pick the side in the sidebar (for a photo of one sole).",
    )
    if sole.advice.summary:
        st.markdown(sole.advice.summary)
    st.markdown("**Wear by zone** (0 = as new, 1 = tread gone)")
    st.bar_chart(
        {
            "zone": [zone_name(z) for z in ZONES],
            "wear": [r.zones.get(z, 0.0) for z in ZONES],
        },
        x="zone",
        y="wear",
        horizontal=True,
        sort=False,
        height=260,
        color=ACCENT,
    )
    faults_col, drills_col = st.columns(2)
    with faults_col:
        st.markdown("**Likely form faults**")
        if not sole.advice.faults:
            st.markdown("None to point at.")
        for f in sole.advice.faults:
            st.markdown(f"- **{f.title}**: {f.why}")
    with drills_col:
        st.markdown("**Drills to try**")
        for d in sole.advice.drills:
            with st.expander(d.name):
                st.markdown(d.how)


def asymmetry_ui(pair: PairComparison | None) -> None:
    """The left-versus-right panel of a pair (`advice.compare_pair`)."""
    if pair is None:
        return
    st.subheader("Left and right")
    if pair.asymmetric:
        st.warning(f"**Asymmetric wear.** {pair.message}")
    else:
        st.success(f"**Balanced wear.** {pair.message}")
    if pair.zone_diff:
        st.markdown("**Right minus left wear, by zone**")
        st.bar_chart(
            {
                "zone": [zone_name(z) for z in pair.zone_diff],
                "right - left": list(pair.zone_diff.values()),
            },
            x="zone",
            y="right - left",
            horizontal=True,
            sort=False,
            height=240,
            color=ACCENT,
        )
    if pair.faults or pair.drills:
        faults_col, drills_col = st.columns(2)
        with faults_col:
            st.markdown("**What may cause it**")
            for f in pair.faults:
                st.markdown(f"- **{f.title}**: {f.why}")
        with drills_col:
            st.markdown("**Drills for the weaker side**")
            for d in pair.drills:
                with st.expander(d.name):
                    st.markdown(d.how)


def caveats_ui(report: PhotoReport | None) -> None:
    """The caveats every result carries; shown even before a photo."""
    caveats: list[str] = []
    for s in report.soles if report else ():
        caveats.extend(c for c in s.advice.caveats if c not in caveats)
    if not caveats:
        caveats = list(general_caveats())
    body = "\n".join(f"- {c}" for c in caveats)
    st.info("**Keep in mind**\n\n" + body)


def downloads_ui(report: PhotoReport, analyses: Sequence[Shown]) -> None:
    """Download buttons for the report as PNG, PDF and JSON."""
    from shoewear.report_files import report_json, report_pdf, report_png

    photos = [a.overlay for a in analyses if a.overlay is not None]
    soles = [img for a in analyses for img in a.soles]
    stem = Path(report.file.split(" + ")[0]).stem or "photo"
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Report (PNG)",
        data=lambda: report_png(report, photos=photos, soles=soles),
        file_name=f"{stem}_shoewear.png",
        mime="image/png",
        on_click="ignore",
        key="dl_png",
    )
    c2.download_button(
        "Report (PDF)",
        data=lambda: report_pdf(report, photos=photos, soles=soles),
        file_name=f"{stem}_shoewear.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="dl_pdf",
    )
    c3.download_button(
        "Report (JSON)",
        data=report_json(report),
        file_name=f"{stem}_shoewear.json",
        mime="application/json",
        on_click="ignore",
        key="dl_json",
    )


def correction_ui(sole: SoleReport, shown: Shown, key: str) -> None:
    """Let the user correct the pattern and side, and save the photo for retraining."""
    from shoewear.feedback import feedback_dir, save_feedback

    with st.expander("Wrong? Correct it and save the photo for retraining"):
        c1, c2 = st.columns(2)
        pattern = c1.selectbox(
            "The wear pattern is",
            PATTERNS,
            index=PATTERNS.index(sole.reading.pattern),
            format_func=pattern_title,
            key=f"fix_pattern_{key}",
        )
        sides = ("left", "right", "unknown")
        side = c2.selectbox(
            "The shoe is a",
            sides,
            index=sides.index(sole.side) if sole.side in sides else 2,
            key=f"fix_side_{key}",
        )
        if st.button("Save for retraining", key=f"save_{key}"):
            image = shown.analysis.image
            box = tuple(round(v * image.scale) for v in sole.box)
            try:
                saved = save_feedback(
                    image.rgb,
                    pattern=pattern,
                    side=side,
                    predicted_pattern=sole.reading.pattern,
                    predicted_side=sole.side,
                    source=shown.report.file,
                    box=box,
                    root=feedback_dir(),
                )
            except ShoewearError as exc:
                st.error(f"Could not save: {exc}")
            else:
                st.success(f"Saved as {saved.path}")


# ----------------------------------------------------------------- the page


def main() -> None:
    st.set_page_config(page_title="shoewear: read your sole", page_icon="👟", layout="wide")
    st.title("shoewear")
    st.markdown(
        "Photograph the sole of a worn running shoe: shoewear reads where the tread is worn, "
        "names the wear pattern, and suggests what it may say about your running form and "
        "which drills to try."
    )
    st.caption("Wear is a hint, not a diagnosis: see *Keep in mind* below the result.")
    try:
        models = cached_models()
    except ShoewearError as exc:
        st.error(f"The networks cannot be opened: {exc}")
        return
    side = sidebar_ui(models)
    mode, files = input_ui()
    pair_mode = mode == MODES[3]
    if not files or (pair_mode and not all(data for _, data in files)):
        if pair_mode:
            st.markdown("Upload a photo of each shoe's sole.")
        caveats_ui(None)
        return
    sides = ("left", "right") if pair_mode else (side,)
    analyses = []
    with st.spinner("Reading the wear..."):
        for (name, data), s in zip(files, sides, strict=True):
            analyses.append(cached_analysis(data, name, s, models, str(models.info())))
    failed = [a for a in analyses if a.report.error]
    for a in failed:
        st.error(f"Could not read **{a.report.file}**: {_friendly(a.report.error, a.report.file)}")
    if failed:
        st.caption(PHOTO_TIPS)
        caveats_ui(None)
        return
    if pair_mode and any(len(a.report.soles) > 1 for a in analyses):
        st.warning("A photo holds more than one sole: only the leftmost one of each is compared.")
    if pair_mode:
        report = pair_report(analyses[0].report, analyses[1].report)
    else:
        report = analyses[0].report
    results_ui(report, analyses)


def results_ui(report: PhotoReport, analyses: Sequence[Shown]) -> None:
    """Everything shown once a photo (or a left and a right photo) has been read."""
    pictures_ui(analyses)
    owners = [a for a in analyses for _ in a.report.soles]
    soles = list(report.soles)
    labels = [f"{s.side.capitalize()} sole" if s.side != "unknown" else "Sole" for s in soles]
    if len(set(labels)) < len(labels):
        labels = [f"{lab} ({i + 1})" for i, lab in enumerate(labels)]
    tabs = st.tabs(labels) if len(soles) > 1 else [st.container()]
    for i, (tab, sole) in enumerate(zip(tabs, soles, strict=True)):
        with tab:
            sole_ui(sole, key=str(i))
            correction_ui(sole, owners[i], key=str(i))
    asymmetry_ui(report.asymmetry)
    st.subheader("Take the report with you")
    downloads_ui(report, analyses)
    caveats_ui(report)
    st.caption(f"Read in {sum(a.seconds for a in analyses):.2f} s. {models_line(report.models)}")


def _shown_path(path: Path) -> str:
    """`path` relative to the working folder when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def _friendly(message: str | None, name: str) -> str:
    """The message without the file name it starts with (the page shows it already)."""
    text = (message or "unknown error").removeprefix(f"{name}: ")
    return text[:1].upper() + text[1:].rstrip(".") + "."


if __name__ == "__main__":
    main()
