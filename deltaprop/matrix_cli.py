"""Command-line pieces for matrix-level networks, called by the shared commands (issue 6)."""
from __future__ import annotations


from codegen.document import shell_word
from symbolic.errors import DeltapropError
from symbolic.matrix import MatrixNetwork
from codegen.matrix_document import matrix_document

from .loading import network_source
from .output import emit


def is_matrix(network) -> bool:
    return isinstance(network, MatrixNetwork)


def derive(network: MatrixNetwork, fmt: str, args) -> int:
    """``deltaprop derive layers:...``: the matrix-form derivation with shapes."""
    for option in ("at", "weights", "lr"):
        if getattr(args, option, None) is not None:
            raise DeltapropError(f"--{option} is for scalar networks; {network.name} is a "
                                 "matrix-level network (use mlp:... for a worked example)")
    text = matrix_document(network, fmt, command=derive_command(network))
    emit(text, args.output or None)
    return 0


def derive_command(network: MatrixNetwork) -> str:
    """The command that writes the derivation of ``network`` (named as it was loaded)."""
    return f"deltaprop derive {shell_word(network_source(network))}"
