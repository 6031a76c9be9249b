"""``generate_module``: the module source of a network, by the emitter of its kind."""
from __future__ import annotations

from symbolic import Network
from symbolic.matrix import MatrixNetwork

from . import backends
from .matrix_emitter import generate_matrix_module
from .scalar import emit_scalar_module

#: Network type → function(network[, target]) -> module source (called with the backend's
#: target, ``codegen.backends``, for any backend but the default).
EMITTERS = {Network: emit_scalar_module, MatrixNetwork: generate_matrix_module}


def generate_module(network, backend: str | None = None) -> str:
    """The generated module's source for ``network`` on ``backend`` (default ``numpy``)."""
    target = backends.backend(backend)
    for kind in type(network).__mro__:
        if kind in EMITTERS:
            emitter = EMITTERS[kind]
            return emitter(network) if target.name == backends.DEFAULT else emitter(network, target)
    raise TypeError(f"no code emitter for {type(network).__name__}; known: "
                    + ", ".join(k.__name__ for k in EMITTERS))
