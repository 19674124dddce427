import subprocess
import sys

import pytest

from shoewear import __version__
from shoewear.cli import VERBS, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "analyze" in capsys.readouterr().out


def test_unknown_option_is_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--frobnicate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shoewear: error:" in err


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    assert verb in capsys.readouterr().out


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from shoewear.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for verb in ('analyze', 'train', 'evaluate', 'synth', 'drills'):\n"
        "    try:\n        main([verb, '--help'])\n    except SystemExit:\n        pass\n"
        "print('torch' in sys.modules, 'onnxruntime' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"
