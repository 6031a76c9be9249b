"""The command line: info, network loading, one-line errors with exit code 2."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from deltaprop.cli import main
from cli import run_cli

ROOT = Path(__file__).resolve().parent.parent




def test_info_seed_121(capsys):
    code, out, _ = run_cli(capsys, "info", "seed-121")
    assert code == 0
    assert "params   4: w1 w2 w3 w4" in out
    assert "chain-rule paths (naive product terms): 4" in out
    assert "naive/delta 1.75x" in out


def test_info_groups_large_networks(capsys):
    code, out, _ = run_cli(capsys, "info", "mlp:30-20-10:sigmoid:squared")
    assert code == 0
    assert "params   830: w1_* (600); b1_* (20); w2_* (200); b2_* (10)" in out


@pytest.mark.parametrize("argv, message", [
    (["info", "seed-999"], "unknown network 'seed-999'"),
    (["info", "mlp:2-x-1:sigmoid:squared"], "sizes must be integers"),
    (["info", "mlp:2-1:sigmoid"], "expected mlp:SIZES:ACTIVATION:LOSS"),
    (["info", "mlp:5000-5000-1:sigmoid:squared"], "25,010,001 weights and biases, over the limit"),
    (["info", "missing.py"], "missing.py: no such file"),
])
def test_errors_are_one_line_with_exit_code_2(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_python_file_network(tmp_path, capsys):
    path = write(tmp_path, "net.py", """
        import sympy as sp
        from symbolic import Network, sigmoid
        x, t, w = sp.symbols("x t w")
        z, y = sp.symbols("z y")
        network = Network("mine", [x], [t], [w], [(z, w*x), (y, sigmoid(z))], (y - t)**2/2)
        """)
    code, out, _ = run_cli(capsys, "info", path)
    assert code == 0 and "network  mine" in out


def test_python_file_validation_error_names_file_and_line(tmp_path, capsys):
    path = write(tmp_path, "bad.py", """
        import sympy as sp
        from symbolic import Network
        x, w, z = sp.symbols("x w z")
        network = Network("bad", [x], [], [w], [(z, w*x), (z, 2*w)], z)
        """)
    code, _, err = run_cli(capsys, "info", path)
    assert code == 2
    assert f"{path}:5: NetworkError: z is assigned twice" in err


@pytest.mark.parametrize("body, message", [
    ("network = 3\n", "'network' is a int, not a deltaprop Network"),
    ("x = 1\n", "defines no variable named 'network'"),
    ("def f(:\n", "syntax error"),
])
def test_python_file_problems(tmp_path, capsys, body, message):
    code, _, err = run_cli(capsys, "info", write(tmp_path, "p.py", body))
    assert code == 2 and message in err


def test_console_script_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "deltaprop", "info", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("deltaprop: error: unknown network 'nope'")
    assert "Traceback" not in proc.stderr


def test_matrix_networks_in_info_build_and_python_files(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "info", "layers:4-3-2:relu:softmax-ce")
    assert code == 0 and "W1 (3×4)" in out and "scalar weights: 23" in out
    path = write(tmp_path, "m.py", """
        from symbolic.matrix import layers
        network = layers([3, 2, 1], "tanh", "squared")
        """)
    code, out, _ = run_cli(capsys, "check", path)
    assert code == 0 and out.rstrip().endswith("ok")
    outdir = tmp_path / "out"
    code, out, _ = run_cli(capsys, "build", "layers:2-3-2:sigmoid:squared", "-o", str(outdir))
    assert code == 0 and ": ok" in out
    assert sorted(p.name for p in outdir.iterdir()) == [
        "derivation.md", "derivation.tex", "layers_2_3_2_sigmoid_squared.py"]


def test_help_opens_with_a_description_for_users_and_lists_every_command(capsys):
    from deltaprop.cli import COMMANDS

    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    intro = out.split("\n\n")[1]
    assert intro.startswith("deltaprop derives backpropagation symbolically")
    assert "``" not in out and "deltaprop.commands" not in out
    commands = out.split("commands:\n")[1]
    assert [line.split()[0] for line in commands.splitlines()[1:] if line.startswith("    ")
            and not line.startswith("     ")] == list(COMMANDS)


def test_info_shows_a_loss_that_is_a_node_as_that_node(capsys):
    code, out, _ = run_cli(capsys, "info", "seed-product")
    assert code == 0 and "loss     the node z = x*y\n" in out


def test_headers_name_the_file_that_reproduces_them(tmp_path, monkeypatch, capsys):
    """A spec file's network is named after the file's stem; the header names the file."""
    import re
    import shlex

    monkeypatch.chdir(tmp_path)
    (tmp_path / "my net222.net").write_text((ROOT / "examples" / "seed-222.net").read_text())
    assert run_cli(capsys, "build", "my net222.net", "-o", "b")[0] == 0
    assert run_cli(capsys, "derive", "my net222.net", "--weights", "w5", "-o", "d.md")[0] == 0
    assert run_cli(capsys, "graph", "my net222.net", "-o", "g.dot")[0] == 0
    assert "(deltaprop graph 'my net222.net')" in (tmp_path / "b" / "graph.dot").read_text()
    for path in (tmp_path / "b" / "derivation.tex", tmp_path / "d.md", tmp_path / "g.dot"):
        command = re.search(r"Generated by deltaprop \((deltaprop [^)]*)\)", path.read_text())
        assert re.match(r"deltaprop (derive|graph) 'my net222.net'", command.group(1))
        code, out, err = run_cli(capsys, *shlex.split(command.group(1))[1:], "-o", "again" +
                                 path.suffix)
        assert code == 0, err
        assert (tmp_path / f"again{path.suffix}").read_text() == path.read_text()


def test_counts_in_cli_text_are_singular_or_plural(tmp_path, capsys):
    from symbolic.wording import plural

    assert [plural(n, "epoch") for n in (0, 1, 2, 1200)] == [
        "0 epochs", "1 epoch", "2 epochs", "1,200 epochs"]
    code, out, _ = run_cli(capsys, "compare", "seed-product", "--batch", "0")
    assert code == 0
    assert "2 parameters, 3 chain-rule path products" in out
    assert "reused by      1 weight   naive:         1 product   [b]" in out
    assert "reused by      2 weights  naive:         2 products  [w b]" in out
    one = write(tmp_path, "one.net", "input x\ntarget t\nparam w\nloss = (w*x - t)^2\n")
    code, out, _ = run_cli(capsys, "compare", one, "--batch", "0")
    assert code == 0 and "1 parameter, 1 chain-rule path product\n" in out
    code, out, _ = run_cli(capsys, "train", "seed-121", "--epochs", "1")
    assert code == 0 and ": 1 sample, 1 epoch, full batch" in out


def test_a_generated_module_with_an_importable_name_imports(tmp_path, capsys, monkeypatch):
    import importlib

    assert run_cli(capsys, "generate", "seed-121", "-o", str(tmp_path / "seed_121.py"))[0] == 0
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("seed_121")
    assert module.__file__ == str(tmp_path / "seed_121.py") and module.PARAMS[0] == "w1"
