"""Build steps (``deltaprop build``): write the module, run the check on it."""
from __future__ import annotations

from functools import lru_cache

from .check import check_gradients
from .loader import load_module
from .naming import identifier


def module_filename(network) -> str:
    """``seed_121.py`` for the network ``seed-121``: an importable file name."""
    return identifier(network.name) + ".py"


@lru_cache(maxsize=4)
def _source(network) -> str:
    from . import generate_module

    return generate_module(network)


def write_module(network, outdir):
    """The generated module, named after the network."""
    source = _source(network)
    name = module_filename(network)
    return {name: source}, [f"module   {name}: forward, loss, gradients, gradients_naive "
                            f"({source.count(chr(10))} lines)"], True


def run_check(network, outdir):
    """Import the generated module and check its gradients (nothing written)."""
    result = check_gradients(load_module(_source(network)), network)
    return {}, [result.summary()], result.ok
