"""The ``deltaprop`` command: one sub-command per module in ``deltaprop.commands``."""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from symbolic.errors import DeltapropError

from . import __version__

#: Sub-command modules, in the order ``deltaprop --help`` lists them.  Each defines
#: ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
COMMANDS = ["build", "info", "descend", "train", "compare", "derive", "graph", "generate", "check", "spec"]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="deltaprop", description=__doc__.split("\n")[0])
    top.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"deltaprop.commands.{name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.formatwarning = lambda msg, cat, *a, **k: f"deltaprop: warning: {msg}\n"
        try:
            return int(args.run(args) or 0)
        except DeltapropError as err:
            print(f"deltaprop: error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("deltaprop: interrupted", file=sys.stderr)
            return 130
