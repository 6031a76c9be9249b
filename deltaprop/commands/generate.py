"""``deltaprop generate NETWORK [--backend B] -o FILE.py``: write the stand-alone module of a network."""
from __future__ import annotations

import keyword
import os

from codegen import generate_module
from codegen.backends import BACKENDS, DEFAULT
from codegen.naming import identifier
from symbolic.errors import DeltapropError

from ..loading import load_network, network_argument
from ..output import check_targets, emit

HELP = "write the stand-alone module (forward, loss, gradients) of a network: NumPy, Python, array API"


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE.py",
                        help="file to write, named so that Python can import it (e.g. "
                             "seed_121.py; default: print the module)")
    parser.add_argument("--backend", choices=list(BACKENDS), default=DEFAULT,
                        help="; ".join(f"{name}: {t.summary}" for name, t in BACKENDS.items()))


def run(args) -> int:
    network = load_network(args.network)
    if args.output is not None:       # before the (possibly long) code generation
        check_targets(args.output)
        check_module_filename(args.output)
    source = generate_module(network, args.backend)
    emit(source, args.output, f"({source.count(chr(10))} lines, backend {args.backend}) for "
                              f"network {network.name}")
    return 0


def check_module_filename(path: str) -> None:
    """Refuse a file name that ``import`` cannot load (``seed-121.py``, ``class.py``)."""
    folder, name = os.path.split(path)
    stem, suffix = os.path.splitext(name)
    problem = module_name_problem(stem, suffix)
    if problem:
        better = os.path.join(folder, identifier(stem or "module") + ".py")
        raise DeltapropError(f"{path}: {problem}; use e.g. -o {better}")


def module_name_problem(stem: str, suffix: str) -> str | None:
    if suffix != ".py":
        return "a module's file name must end in .py"
    if not stem.isidentifier():
        return f"'{stem}' is not a Python identifier, so 'import {stem}' cannot load the module"
    if keyword.iskeyword(stem):
        return f"'{stem}' is a Python keyword, so the module cannot be imported"
    if stem == "numpy":
        return "a module named numpy would be imported in place of NumPy, which it needs"
    return None
