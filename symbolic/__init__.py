"""deltaprop's symbolic engine: declare a network, derive naive chains and shared δ terms."""
from .builders import dense, mlp
from .cost import NetworkCosts, OpCount, count_expr, count_program, naive_cost, network_costs
from .sweep import Derivation, derive
from .errors import DeltapropError, NetworkError, NetworkWarning
from .examples import EXAMPLES, POINTS, builtin
from .functions import logsumexp, relu, sigmoid, softplus
from .graph import Edge, Graph, local_partials
from .naive import ChainPath, NaiveGradient, count_path_terms, derive_naive
from .network import Network
from .program import Assignment, Program

__all__ = [
    "Assignment", "ChainPath", "Derivation", "DeltapropError", "EXAMPLES", "Edge", "Graph",
    "NaiveGradient", "Network", "NetworkCosts", "NetworkError", "NetworkWarning", "OpCount",
    "POINTS", "Program", "builtin", "count_expr", "count_path_terms", "count_program", "dense",
    "derive", "derive_naive", "local_partials", "logsumexp", "mlp", "naive_cost",
    "network_costs", "relu", "sigmoid", "softplus",
]
