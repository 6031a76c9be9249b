"""Matrix-level networks: matrix expressions over a batch, derived by VJP rules.

Declare one in Python with ``MatrixNetwork`` and these building blocks (README, "Matrix
networks you declare"), or in a ``.net`` spec with shapes (``input X[6]``, ``param W[3,6]``).
"""
from .builders import LOSSES, layers, parse_layers
from .functions import activate, apply
from .network import MatrixNetwork
from .ops import (BATCH, Apply, LogSumExp, Mean, Softmax, SoftmaxCrossEntropy, hadamard,
                  over_batch, sum_rows)
from .rules import VJP

__all__ = ["Apply", "BATCH", "LOSSES", "LogSumExp", "Mean", "MatrixNetwork",
           "Softmax", "SoftmaxCrossEntropy", "VJP", "activate", "apply",
           "hadamard", "layers", "over_batch", "parse_layers", "sum_rows"]
