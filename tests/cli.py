"""The one in-process runner of the command line for tests, and the one-line-error assertion."""
from __future__ import annotations

from deltaprop.cli import main


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``deltaprop ARGV`` run in this process."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *words):
    """Exit 2 and one line ``deltaprop: error: ...`` holding ``words``, no traceback."""
    assert code == 2 and err.startswith("deltaprop: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and all(w in err for w in words), err
