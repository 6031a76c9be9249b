"""Matrix-level networks: dense layers as SymPy matrix expressions, derived by VJP rules."""
from .builders import LOSSES, layers, parse_layers
from .derive import MatrixDerivation, derive_matrix
from .network import MatrixNetwork
from .ops import BATCH, Apply, Mean, Softmax, SoftmaxCrossEntropy
from .rules import VJP

__all__ = ["Apply", "BATCH", "LOSSES", "Mean", "MatrixDerivation", "MatrixNetwork", "Softmax",
           "SoftmaxCrossEntropy", "VJP", "derive_matrix", "layers", "parse_layers"]
