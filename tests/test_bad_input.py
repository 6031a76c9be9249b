"""README's promise for bad input, kind by kind: one line ``deltaprop: error: ...``, exit code 2,
no traceback and nothing written (section "Commands"; spec files: "Errors").

Each case runs in a fresh folder (the current directory) holding only the files it needs; after
the command the folder must hold exactly those files, unchanged.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli_output import files_under, one_line_error, run

ROOT = Path(__file__).resolve().parent.parent
SEED_NET = (ROOT / "examples" / "seed-121.net").read_text()
NETWORK_PY = ("from symbolic.spec import parse_spec\n"
              f"network = parse_spec({SEED_NET!r}, 'seed-121.net')\n")

#: Files a case can ask for: name -> content (a folder for None).
FILES = {
    "seed.net": SEED_NET,
    "net.py": NETWORK_PY,
    "raises.py": "import sympy\nraise RuntimeError('no network today')\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "syntax.py": "network = (\n",
    "nothing.py": "x = 1\n",
    "bad-utf8.net": b"input x\nparam w\ny = w*x\xff\nloss = y\n",
    "typo.net": "inputs x\nparam w\nloss = w*x\n",
    "folder.net": None,
    "afile": "keep",
    "out": None,
}

CASES = [
    # unknown or out-of-range options
    (["frobnicate", "seed-121"], [], ["invalid choice: 'frobnicate'"]),
    (["info", "seed-121", "--bogus"], [], ["unrecognized arguments: --bogus"]),
    (["info", "seed-999"], [], ["unknown network 'seed-999'"]),
    (["derive", "seed-product", "--at", "example", "--lr", "-1"], [], ["--lr", "> 0"]),
    (["derive", "seed-product", "--at", "example", "--lr", "0"], [], ["--lr", "> 0"]),
    (["derive", "seed-product", "--at", "example", "--lr", "nan"], [], ["--lr", "finite"]),
    (["train", "seed-121", "--lr", "-1"], [], ["--lr", "> 0"]),
    (["check", "seed-121", "--batch", "0"], [], ["--batch", "from 1 to 100,000"]),
    (["check", "seed-121", "--seed", "-1"], [], ["--seed"]),
    (["compare", "seed-121", "--repeats", "0"], [], ["--repeats"]),
    (["descend", "x^2", "--steps", "-3"], [], ["--steps"]),
    (["derive", "seed-121", "--format", "pdf"], [], ["invalid choice: 'pdf'"]),
    # files that cannot be read
    (["info", "missing.net"], [], ["missing.net: no such file"]),
    (["info", "missing.py"], [], ["missing.py: no such file"]),
    (["info", "folder.net"], ["folder.net"], ["folder.net: not a regular file"]),
    # files that cannot be written: a missing folder, a folder, a file where a folder is needed
    (["derive", "seed-121", "-o", "no/such/dir/x.tex"], [], ["no/such/dir", "does not exist"]),
    (["generate", "seed-121", "-o", "no/such/m.py"], [], ["no/such", "does not exist"]),
    (["spec", "seed-121", "-o", "no/such/s.net"], [], ["no/such", "does not exist"]),
    (["graph", "seed-121", "-o", "no/such/g.dot"], [], ["no/such", "does not exist"]),
    (["compare", "seed-121", "--batch", "0", "--json", "no/x.json"], [], ["no", "does not exist"]),
    (["train", "seed-121", "--epochs", "1", "--curve", "no/curve"], [], ["does not exist"]),
    (["derive", "seed-121", "--format", "md", "-o", "out"], ["out"], ["is a directory"]),
    (["generate", "seed-121", "-o", "afile/m.py"], ["afile"], ["not a directory"]),
    (["build", "seed-121", "-o", "afile"], ["afile"], ["not a directory"]),
    (["spec", "seed.net", "-o", "seed.net"], ["seed.net"], ["refusing to overwrite an input"]),
    # module file names that import cannot load
    (["generate", "seed-121", "-o", "seed-121.py"], [], ["not a Python identifier", "seed_121.py"]),
    (["generate", "seed-121", "-o", "class.py"], [], ["keyword", "class_.py"]),
    (["generate", "seed-121", "-o", "numpy.py"], [], ["in place of NumPy"]),
    (["generate", "seed-121", "-o", "module.txt"], [], ["must end in .py", "module.py"]),
    # Python files that raise, call sys.exit, do not parse or define no network
    (["info", "raises.py"], ["raises.py"], ["raises.py:2: RuntimeError: no network today"]),
    (["generate", "exits.py", "-o", "m.py"], ["exits.py"], ["exits.py:2:", "sys.exit(3)"]),
    (["info", "syntax.py"], ["syntax.py"], ["syntax.py:1:", "syntax error"]),
    (["info", "nothing.py"], ["nothing.py"], ["defines no variable named 'network'"]),
]


def _make(folder: Path, names) -> None:
    for name in names:
        content = FILES[name]
        if content is None:
            (folder / name).mkdir()
        elif isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content)


def _contents(folder: Path) -> dict:
    return {name: (folder / name).read_bytes() if (folder / name).is_file() else None
            for name in files_under(folder)}


@pytest.mark.parametrize("argv, needs, words", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, monkeypatch, capsys, argv,
                                                         needs, words):
    monkeypatch.chdir(tmp_path)
    _make(tmp_path, needs)
    before = _contents(tmp_path)
    code, out, err = run(capsys, *argv)
    one_line_error(code, err, *words)
    assert out == ""
    assert _contents(tmp_path) == before


@pytest.mark.parametrize("name, lines", [
    ("typo.net", ["deltaprop: error: typo.net:1:1: unknown directive 'inputs' (a line is "
                  "'input/target/param NAMES' or 'NAME = EXPR'); did you mean 'input'?",
                  " 1 | inputs x", "   | ^~~~~~"]),
    ("bad-utf8.net", ["deltaprop: error: bad-utf8.net:3:8: invalid UTF-8 (byte 0xff)",
                      " 3 | y = w*x\ufffd", "   |        ^"]),
])
def test_spec_errors_are_located_then_show_the_line(tmp_path, monkeypatch, capsys, name, lines):
    """Spec files: ``FILE:LINE:COL: what`` (with a suggestion), then the line and a caret."""
    monkeypatch.chdir(tmp_path)
    _make(tmp_path, [name])
    code, out, err = run(capsys, "build", name, "-o", "b")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == lines
    assert files_under(tmp_path) == [name]


def test_build_may_create_its_folder_and_removes_it_when_writing_fails(tmp_path, monkeypatch,
                                                                      capsys):
    """``build -o DIR`` creates DIR (and its parents); a failed write leaves no trace of them."""
    import deltaprop.output as output

    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "build", "seed-121", "-o", "new/deep/b")
    assert code == 0 and "wrote 4 files to new/deep/b/" in out
    assert sorted(os.listdir(tmp_path / "new/deep/b")) == [
        "derivation.md", "derivation.tex", "graph.dot", "seed_121.py"]
    first = files_under(tmp_path)
    real_stage, calls = output._stage, []

    def failing_stage(target, content):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_stage(target, content)

    monkeypatch.setattr(output, "_stage", failing_stage)
    code, _, err = run(capsys, "build", "seed-121", "-o", "other/b")
    one_line_error(code, err, "No space left on device")
    assert len(calls) == 3 and files_under(tmp_path) == first   # no other/, no staged file


def _closed_stdout(argv, cwd):
    """Run the command with its standard output closed by the reader before the first byte."""
    proc = subprocess.Popen([sys.executable, "-m", "deltaprop", *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


def test_a_closed_pipe_still_writes_the_files_asked_for(tmp_path):
    """``compare --json x.json | head -1``: the table's reader left, the JSON is still written."""
    code, err = _closed_stdout(["compare", "seed-121", "--batch", "0", "--json", "x.json"],
                               tmp_path)
    assert (code, err) == (0, "")
    assert '"network": "seed-121"' in (tmp_path / "x.json").read_text()
    code, err = _closed_stdout(["info", "mlp:20-20-1:sigmoid:squared"], tmp_path)
    assert (code, err) == (0, "") and files_under(tmp_path) == ["x.json"]
