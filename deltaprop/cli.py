"""The ``deltaprop`` command: one sub-command per module in ``deltaprop.commands``."""
from __future__ import annotations

import argparse
import os
import sys
import warnings

from symbolic.errors import DeltapropError

from . import __version__
from .commands import build, check, compare, derive, descend, generate, graph, info, spec, train
from .output import forget_protected

#: Sub-command modules, in the order ``deltaprop --help`` lists them.  Each defines
#: ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
#: What ``deltaprop --help`` says first: for users, plain text.
DESCRIPTION = ("deltaprop derives backpropagation symbolically for a network you declare (a "
               "built-in example, an mlp:... or layers:... name, a .net spec file or a Python "
               "file): the chain rule along every path, the shared delta terms, the derivation "
               "as a LaTeX or Markdown document, a stand-alone NumPy module with its gradients "
               "checked, and exact operation counts of naive differentiation against backprop.")
COMMANDS = {"build": build, "info": info, "descend": descend, "train": train, "compare": compare,
            "derive": derive, "graph": graph, "generate": generate, "check": check, "spec": spec}


class _Parser(argparse.ArgumentParser):
    """argparse with the tool's one-line errors: ``deltaprop: error: COMMAND: what``, exit 2."""

    def error(self, message: str):
        command = self.prog.split(" ", 1)[1] + ": " if " " in self.prog else ""
        self.exit(2, f"deltaprop: error: {command}{message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="deltaprop", description=DESCRIPTION,
                  epilog="Run 'deltaprop COMMAND --help' for the options of a command.")
    top.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a one-line argument error (code 2)
        return int(done.code or 0)
    forget_protected()
    stdout, sys.stdout = sys.stdout, _Stdout(sys.stdout)
    try:
        return _run(args)
    finally:
        sys.stdout = stdout


def _run(args) -> int:
    """Run the sub-command: its errors become one line on stderr and exit code 2."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning      # catch_warnings restores the original
        try:
            return int(args.run(args) or 0)
        except DeltapropError as err:
            print(f"deltaprop: error: {err}", file=sys.stderr)
            return 2
        except OSError as err:  # reading or writing a path the checks did not foresee
            if isinstance(err, BrokenPipeError):
                return _closed_pipe()
            where = f"{err.filename}: " if err.filename else ""
            print(f"deltaprop: error: {where}{err.strerror or err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("deltaprop: interrupted", file=sys.stderr)
            return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"deltaprop: warning: {message}", file=sys.stderr)


class _Stdout:
    """Standard output that a closed pipe (``deltaprop compare ... --json x.json | head -1``)
    silences instead of stopping the command: the files it writes are still written."""

    def __init__(self, stream):
        self._stream, self._silent = stream, False

    def write(self, text: str) -> int:
        if not self._silent:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self._silent:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        self._silent = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())  # the interpreter's final flush cannot fail
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _closed_pipe() -> int:
    """The reader of our output went away (``deltaprop info ... | head``): stop quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail again
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
