import importlib.util
from pathlib import Path

import pytest
from PIL import Image
from test_model_helpers import write_data_folder

from shoewear.models import shipped
from shoewear.synth import write_dataset

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_wear_map_sheet", ROOT / "scripts" / "make_wear_map_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sheet_draws_a_row_per_sole_and_a_column_per_model(tmp_path, capsys):
    data = tmp_path / "data"
    write_dataset(data, n=3, seed=5, long_side=560, workers=1, progress=False)
    model = shipped("wear").path
    out = tmp_path / "sheet.png"
    args = [str(data), "--model", str(model), "--model", str(model), "--label", "a",
            "--label", "b", "-n", "2", "--out", str(out)]
    assert _script().main(args) == 0
    assert "2 soles, 2 models" in capsys.readouterr().out
    with Image.open(out) as im:
        w, h = im.size
    assert w > 4 * 64 * 3 and h > 2 * 128 * 3  # crop, truth and two maps; two rows


def test_sheet_needs_a_set_with_wear_fields(tmp_path, capsys):
    write_data_folder(tmp_path, per_class=1, patterns=("even",))
    with pytest.raises(SystemExit):
        _script().main([str(tmp_path), "--model", str(shipped("wear").path)])
    assert "has no wear fields" in capsys.readouterr().err
