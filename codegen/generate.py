"""``generate_module``: the module source of a network, by the emitter of its kind."""
from __future__ import annotations

from symbolic import Network
from symbolic.matrix import MatrixNetwork

from .matrix_emitter import generate_matrix_module
from .scalar import emit_scalar_module

#: Network type → function(network) -> module source.
EMITTERS = {Network: emit_scalar_module, MatrixNetwork: generate_matrix_module}


def generate_module(network) -> str:
    """The generated module's source for ``network``."""
    for kind in type(network).__mro__:
        if kind in EMITTERS:
            return EMITTERS[kind](network)
    raise TypeError(f"no code emitter for {type(network).__name__}; known: "
                    + ", ".join(k.__name__ for k in EMITTERS))
