"""Code generation: stand-alone NumPy backprop modules from networks, via Jinja2 templates.

``generate_module(network)`` dispatches on the network's type through ``EMITTERS`` (another
network kind registers its own emitter there); ``load_module`` imports the result and
``check_gradients`` compares it with central differences and with ``gradients_naive``.
"""
from symbolic import Network

from .check import CheckResult, check_gradients
from .loader import load_module
from .scalar import emit_scalar_module
from symbolic.matrix import MatrixNetwork  # noqa: E402
from .matrix_emitter import generate_matrix_module  # noqa: E402

#: Network type → function(network) -> module source.
EMITTERS = {Network: emit_scalar_module}
EMITTERS[MatrixNetwork] = generate_matrix_module  # matrix-level networks (issue 6)


def generate_module(network) -> str:
    """The generated module's source for ``network``."""
    for kind in type(network).__mro__:
        if kind in EMITTERS:
            return EMITTERS[kind](network)
    raise TypeError(f"no code emitter for {type(network).__name__}; known: "
                    + ", ".join(k.__name__ for k in EMITTERS))


__all__ = ["EMITTERS", "CheckResult", "check_gradients", "emit_scalar_module", "generate_module",
           "load_module"]
