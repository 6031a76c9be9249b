"""The command line: info, network loading, one-line errors with exit code 2."""
import subprocess
import sys
import textwrap

import pytest

from deltaprop.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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
