"""Naive per-parameter chains against the shared δ sweep of a matrix network, in FLOPs.

Rows: ``forward`` (the equations and the loss); ``naive`` (every parameter's gradient as the
sum of its own chain-rule paths, ``symbolic.naive.naive_program``, as ``gradients_naive``
computes it: nothing shared, the sum over parameters of each one's FLOPs); ``delta`` (the backward program of ``symbolic.derive``: every δ once, then
every gradient).  Counted by ``flops``, per sample and per call.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..cost import cost_ratios
from ..count import OpCount
from ..naive import derive_naive, naive_program
from ..sweep import Derivation, derive
from .flops import Flops, expression_flops, total
from .network import MatrixNetwork

#: The unit of every count in a ``MatrixComparison``.
UNIT = "FLOPs per sample"


@dataclass(frozen=True)
class SharedDelta:
    """One δ_V: the parameters whose gradients need it, and its own cost.

    Naive computes it once for each of them (``len(params)`` times), δ once.
    """

    node: sp.MatrixSymbol
    delta: sp.MatrixSymbol
    params: tuple
    flops: Flops

    @property
    def naive_extra(self) -> int:
        """FLOPs per sample naive spends on this δ beyond computing it once."""
        return (len(self.params) - 1) * self.flops.per_sample.total

    def as_dict(self) -> dict:
        return {"node": self.node.name, "delta": self.delta.name,
                "n_params": len(self.params), "params": [p.name for p in self.params],
                "flops": self.flops.as_dict(), "naive_computations": len(self.params),
                "naive_extra_per_sample": self.naive_extra}


@dataclass(frozen=True)
class MatrixComparison:
    """Forward, naive and δ FLOPs of one matrix network, with ratios and sharing."""

    network: str
    n_params: int                  # parameter matrices and vectors
    n_entries: int                 # their scalar entries
    forward: Flops
    naive: Flops
    delta: Flops
    sharing: tuple = field(repr=False)
    chains: dict = field(repr=False, default_factory=dict)    # parameter name -> its chain

    @property
    def ratios(self) -> dict:
        """Per-sample totals: backward/forward of naive and δ, and naive/δ."""
        return cost_ratios(self.forward.per_sample, self.naive.per_sample, self.delta.per_sample)

    def programs(self) -> list[tuple[str, Flops]]:
        """(JSON key, FLOPs) of forward, naive and delta."""
        return [("forward", self.forward), ("naive", self.naive), ("delta", self.delta)]

    def rows(self) -> list[tuple[str, OpCount]]:
        """The cost table's rows, FLOPs per sample, named as every report prints them."""
        return [("forward", self.forward.per_sample), ("naive backward", self.naive.per_sample),
                ("delta backward", self.delta.per_sample)]

    def as_dict(self) -> dict:
        """The JSON object: per-sample counts under ``forward``/``naive``/``delta`` (the keys
        of the scalar compare), per-call counts, ratios, chains and sharing."""
        return {
            "network": self.network, "level": "matrix", "unit": UNIT,
            **{name: flops.per_sample.as_dict() for name, flops in self.programs()},
            "per_call": {name: flops.per_call.as_dict() for name, flops in self.programs()},
            "from_scratch": None,
            "ratios": {k: round(v, 4) for k, v in self.ratios.items()},
            "params": self.n_params, "parameter_entries": self.n_entries,
            "chains": {name: flops.as_dict() for name, flops in self.chains.items()},
            "sharing": [s.as_dict() for s in self.sharing],
        }


def compare_matrix(network: MatrixNetwork,
                   derivation: Derivation | None = None) -> MatrixComparison:
    """Forward, naive and δ FLOPs of ``network`` (its derivation is computed if not given)."""
    derivation = derivation or derive(network)
    cost = {lhs: expression_flops(rhs) for lhs, rhs in derivation.program}
    closures = {p: derivation.closure(p) for p in network.params}
    chains = {g.param.name: total(expression_flops(a.rhs) for a in naive_program(network, g))
              for g in derive_naive(network)}
    return MatrixComparison(
        network=network.name, n_params=len(network.params),
        n_entries=sum(int(rows * cols) for rows, cols in (p.shape for p in network.params)),
        forward=total(expression_flops(rhs) for _, rhs in network.forward),
        naive=total(chains.values()), delta=total(cost.values()),
        sharing=tuple(_sharing(derivation, closures, cost)), chains=chains)


def _sharing(derivation, closures: dict, cost: dict) -> list[SharedDelta]:
    """For each δ in sweep order: the parameters whose chains contain it."""
    users = {lhs: [] for lhs in cost}
    for p, chain in closures.items():
        for lhs, _ in chain:
            users[lhs].append(p)
    return [SharedDelta(node, d, tuple(users[d]), cost[d])
            for node, d in derivation.delta.items()]
