"""The architecture holds: a torch-free core, training on top of it, nothing pointing up."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "shoewear"
#: The analysis core: everything but training, the generator and the CLI verbs.
CORE = sorted(
    p for p in PACKAGE.rglob("*.py")
    if p.relative_to(PACKAGE).parts[0] not in ("training", "synth", "commands")
    and p.name not in ("cli.py", "__main__.py")
)
FORBIDDEN = ("torch", "torchvision", "onnx", "onnxscript", "safetensors", "streamlit")
#: Optional extras the core may import where they are used, never at import time.
LAZY = ("dask", "distributed")


def _imported(path: Path) -> set[str]:
    """Absolute names of every module `path` imports, relative imports resolved."""
    package = ".".join(("shoewear", *path.relative_to(PACKAGE).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join(base + [node.module or ""]) if node.level else node.module
            names.add(module.rstrip("."))
            names.update(f"{module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_modules_import_no_training_no_torch_no_app(path):
    bad = {
        name for name in _imported(path)
        if name.split(".")[0] in FORBIDDEN
        or name.startswith(("shoewear.training", "shoewear.synth", "shoewear.commands"))
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_importing_the_whole_core_loads_no_heavy_package():
    modules = [
        ".".join(("shoewear", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for p in CORE
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN + LAZY!r}"
        " or m.startswith('shoewear.training')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_finder_sees_the_test_itself():
    """The AST walk finds relative and absolute imports (so the checks above can fail)."""
    names = _imported(PACKAGE / "training" / "train.py")
    assert "torch" in names and "shoewear.wear.config" in names


def test_a_wheel_carries_the_shipped_models(tmp_path):
    import shutil
    import zipfile

    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(PACKAGE, src / "shoewear", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PACKAGE.parent / name, src / name)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
         str(src)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("shoewear-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("sole_seg.onnx", "wear_cnn.onnx", "manifest.json", "wear_cnn.md", "sole_seg.md"):
        assert f"shoewear/models/{name}" in names
