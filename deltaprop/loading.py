"""Turn a NETWORK argument (built-in name, ``mlp:...``, or a file) into a ``Network``."""
from __future__ import annotations

import os
import runpy
import traceback
import weakref
from typing import Callable

from symbolic import Network, builtin
from symbolic.matrix import MatrixNetwork
from symbolic.errors import DeltapropError

from .output import protect

#: (does this loader handle the argument?, loader) pairs, tried in order; files by suffix.
LOADERS: list[tuple[Callable[[str], bool], Callable[[str], Network]]] = []


def _load_layers(spec: str):
    from symbolic.matrix import parse_layers  # matrix-level networks (issue 6)

    return parse_layers(spec)


LOADERS.append((lambda spec: spec.startswith("layers:"), _load_layers))


def _load_spec(spec: str):
    from symbolic.spec import load_spec_file  # .net spec files (issue 7)

    return load_spec_file(spec)


LOADERS.append((lambda spec: spec.endswith(".net"), _load_spec))


#: The NETWORK argument each loaded network came from (for the commands headers name).
_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def load_network(spec: str):
    """The network named by ``spec``; raises ``DeltapropError`` with a one-line message."""
    network = _load(spec)
    _SOURCES[network] = spec
    return network


def network_source(network) -> str:
    """The NETWORK argument that loads ``network`` again (its name if it was not loaded here)."""
    return _SOURCES.get(network, network.name)


def _load(spec: str):
    if os.path.isfile(spec):
        protect(spec)  # an input: no output of this run may replace it
    for handles, load in LOADERS:
        if handles(spec):
            return load(spec)
    if spec.endswith(".py"):
        return load_python_file(spec)
    if os.path.sep in spec or os.path.exists(spec):
        raise DeltapropError(f"{spec}: not a network file (expected .py or .net)")
    return builtin(spec)


def load_python_file(path: str) -> Network:
    """Run a Python file (the user's own code) and return its ``network`` variable."""
    if not os.path.exists(path):
        raise DeltapropError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise DeltapropError(f"{path}: not a regular file")
    try:
        namespace = runpy.run_path(path, run_name="__deltaprop__")
    except SyntaxError as err:
        raise DeltapropError(f"{path}:{err.lineno}:{err.offset}: syntax error: {err.msg}") from None
    except KeyboardInterrupt:
        raise
    except SystemExit as err:  # the file called sys.exit(): it defined no network
        raise DeltapropError(f"{path}:{_line_in(path, err)}: the file called sys.exit"
                             f"({_one_line(repr(err.code)) if err.code is not None else ''}) "
                             "instead of defining 'network'") from None
    except BaseException as err:  # the user's code failed: say where, in one line
        raise DeltapropError(f"{path}:{_line_in(path, err)}: {type(err).__name__}: "
                             f"{_one_line(str(err))}") from None
    network = namespace.get("network")
    if network is None:
        raise DeltapropError(f"{path}: defines no variable named 'network'")
    if not isinstance(network, (Network, MatrixNetwork)):
        raise DeltapropError(f"{path}: 'network' is a {type(network).__name__}, not a deltaprop Network")
    return network


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` with line breaks shown as ``\\n`` and cut to ``limit`` characters."""
    flat = text.replace("\r", "\\r").replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[:limit] + "..."


def _line_in(path: str, err: BaseException) -> int | str:
    target = os.path.realpath(path)
    lines = [f.lineno for f in traceback.extract_tb(err.__traceback__)
             if os.path.realpath(f.filename) == target]
    return lines[-1] if lines else "?"


def network_argument(parser, help_text: str = "built-in name, mlp:SIZES:ACT:LOSS, or a .py/.net file"):
    """Add the positional NETWORK argument every command takes."""
    parser.add_argument("network", metavar="NETWORK", help=help_text)


