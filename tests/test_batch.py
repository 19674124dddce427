"""The batch engine: output names that mirror the tree, a process pool and a Dask cluster."""

import time

import cv2
import numpy as np
import pytest

from shoewear.batch import (
    ClusterError,
    Job,
    collect_photos,
    output_paths,
    run_batch,
)
from shoewear.cli import main
from shoewear.errors import UsageError


@pytest.fixture(scope="module")
def tree(tmp_path_factory, foot_photo):
    """Two folders holding photos of the same name, and a third photo."""
    root = tmp_path_factory.mktemp("photos")
    for sub, seed, side in (("a", 0, "right"), ("b", 1, "left")):
        (root / sub).mkdir()
        foot_photo(root / sub / "IMG_0001.jpg", seed=seed, side=side)
    foot_photo(root / "top.png", seed=2)
    return root


def test_outputs_mirror_the_folder_tree(tree, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--json", "--mask", str(out), "--overlay", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == [
        "a/IMG_0001_mask.png", "a/IMG_0001_overlay.png",
        "b/IMG_0001_mask.png", "b/IMG_0001_overlay.png",
        "top_mask.png", "top_overlay.png",
    ]
    # each mask is its own photo's, not one photo written twice
    a = cv2.imread(str(out / "a/IMG_0001_mask.png"), cv2.IMREAD_GRAYSCALE)
    b = cv2.imread(str(out / "b/IMG_0001_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert a.shape == b.shape and np.any(a != b)


def test_two_files_that_would_share_an_output_are_refused(tree, tmp_path):
    photos = [str(tree / "a" / "IMG_0001.jpg"), str(tree / "b" / "IMG_0001.jpg")]
    with pytest.raises(UsageError, match="would both write"):
        output_paths(collect_photos(photos), tmp_path, "_mask.png")
    assert main(["analyze", *photos, "--mask", str(tmp_path / "m")]) == 2
    assert not (tmp_path / "m").exists()


def test_same_stem_in_one_folder_is_refused(tmp_path, foot_photo):
    foot_photo(tmp_path / "x.jpg")
    foot_photo(tmp_path / "x.png")
    with pytest.raises(UsageError, match="x.png and .*x.jpg"):
        output_paths(collect_photos([str(tmp_path)]), tmp_path / "out", "_mask.png")


def _reports(jobs, **kwargs):
    return [r.to_json() for r in run_batch(jobs, **kwargs)]


def test_a_pool_gives_the_same_reports_in_the_same_order(tree):
    jobs = [Job(photo=p) for p, _ in collect_photos([str(tree)])] + [Job(photo="missing.jpg")]
    one = _reports(jobs)
    assert [r["file"] for r in one] == [j.photo for j in jobs]
    assert one[-1]["error"] and all(r["error"] is None for r in one[:-1])
    assert _reports(jobs, workers=2) == one


def test_a_local_dask_cluster_gives_the_same_reports(tree):
    pytest.importorskip("dask.distributed")
    jobs = [Job(photo=p) for p, _ in collect_photos([str(tree)])]
    assert _reports(jobs, workers=2, scheduler="local") == _reports(jobs)


def test_an_unreachable_scheduler_is_one_line_within_ten_seconds(tree, capsys):
    pytest.importorskip("dask.distributed")
    t0 = time.perf_counter()
    code = main(["analyze", str(tree), "--json", "--scheduler", "tcp://127.0.0.1:9"])
    seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 1 and seconds < 10
    lines = [line for line in err.splitlines() if line.startswith("shoewear")]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0]
    assert "Traceback" not in err


def test_bad_workers_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        list(run_batch([Job(photo="x.jpg")], workers=0))


def test_cluster_error_is_a_shoewear_error():
    assert issubclass(ClusterError, Exception) and ClusterError("x").exit_code == 1
