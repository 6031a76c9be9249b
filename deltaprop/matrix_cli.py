"""Command-line pieces for matrix-level networks, called by the shared commands (issue 6)."""
from __future__ import annotations


from symbolic.errors import DeltapropError
from symbolic.matrix import MatrixNetwork
from symbolic.matrix.document import matrix_document

from .output import emit


def is_matrix(network) -> bool:
    return isinstance(network, MatrixNetwork)


def derive(network: MatrixNetwork, fmt: str, args) -> int:
    """``deltaprop derive layers:...``: the matrix-form derivation with shapes."""
    for option in ("at", "weights", "lr"):
        if getattr(args, option, None) is not None:
            raise DeltapropError(f"--{option} is for scalar networks; {network.name} is a "
                                 "matrix-level network (use mlp:... for a worked example)")
    text = matrix_document(network, fmt, command=f"deltaprop derive {network.name}")
    emit(text, args.output or None)
    return 0
