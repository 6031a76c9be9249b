"""Naive per-weight differentiation against the shared δ sweep, in exact operation counts.

Rows: ``forward``; ``naive`` (each parameter's chain-rule sum on its own, given forward
values; counted on the graph by dynamic programming); ``delta`` (the shared-δ backward
program); ``from_scratch`` (``sympy.diff`` of the inlined loss per parameter, then
``sympy.cse``; starts from the inputs, so it redoes the forward work).  Every count follows
``symbolic.cost``: each assignment once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .cost import OpCount, cost_ratios, count_expr, count_program, naive_cost
from .sweep import Derivation, derive
from .from_scratch import FromScratch, ScratchLimits, from_scratch
from .naive import count_path_terms
from .network import Network

#: JSON lists the weights behind each δ only up to this many parameters (counts always).
WEIGHT_LIST_LIMIT = 1_000


@dataclass(frozen=True)
class SharedPrefix:
    """One δ_v: the weights whose gradients reuse it, and what naive does instead.

    ``naive_products`` is the number of naive path products that contain a chain from the
    loss down to ``node``: naive rebuilds that chain in each of them, δ computes it once.
    """

    node: sp.Symbol
    delta: sp.Symbol
    weights: tuple[sp.Symbol, ...]
    naive_products: int

    def as_dict(self, list_weights: bool = True) -> dict:
        out = {"node": self.node.name, "delta": self.delta.name,
               "n_weights": len(self.weights), "naive_products": self.naive_products}
        if list_weights:
            out["weights"] = [w.name for w in self.weights]
        return out


@dataclass(frozen=True)
class Comparison:
    """Op counts of the four methods for one network, with ratios and sharing."""

    network: str
    n_params: int
    paths: int
    forward: OpCount
    naive: OpCount
    delta: OpCount
    scratch: FromScratch
    sharing: tuple[SharedPrefix, ...] = field(repr=False)
    loss_value: OpCount = OpCount()      # the loss assignment's share of ``forward``

    @property
    def gradient_total(self) -> int:
        """Forward nodes (without the loss value) + δ backward: what from-scratch computes."""
        return self.forward.total - self.loss_value.total + self.delta.total

    @property
    def ratios(self) -> dict:
        return cost_ratios(self.forward, self.naive, self.delta)

    def rows(self) -> list[tuple[str, OpCount | None]]:
        return [("forward", self.forward), ("naive backward", self.naive), ("delta backward", self.delta),
                ("from-scratch", self.scratch.cost)]

    def as_dict(self) -> dict:
        """The JSON object: ``forward``/``naive``/``delta``/``from_scratch`` counts and more."""
        scratch = self.scratch
        list_weights = self.n_params <= WEIGHT_LIST_LIMIT
        return {
            "network": self.network,
            "forward": self.forward.as_dict(),
            "naive": self.naive.as_dict(),
            "delta": self.delta.as_dict(),
            "from_scratch": scratch.cost.as_dict() if scratch.done else None,
            "from_scratch_info": {"attempted": scratch.attempted, "finished": scratch.done,
                                  "estimated_inlined_ops":
                                  scratch.estimated_ops, "seconds": scratch.seconds,
                                  "note": scratch.note,
                                  "forward_without_loss_plus_delta": self.gradient_total},
            "ratios": {k: round(v, 4) for k, v in self.ratios.items()},
            "params": self.n_params,
            "paths": self.paths,
            "sharing": [s.as_dict(list_weights) for s in self.sharing],
        }


def compare(network: Network, limits: ScratchLimits = ScratchLimits(),
            derivation: Derivation | None = None) -> Comparison:
    """All four counts for ``network`` (from-scratch only within ``limits``)."""
    derivation = derivation or derive(network)
    return Comparison(network=network.name, n_params=len(network.params),
                      paths=count_path_terms(network),
                      forward=count_program(network.forward), naive=naive_cost(network),
                      delta=count_program(derivation.program),
                      scratch=from_scratch(network, limits),
                      sharing=tuple(shared_prefixes(derivation)), loss_value=_loss_value(network))


def _loss_value(network: Network) -> OpCount:
    """Cost of the separate loss assignment (zero when the loss is itself a node)."""
    last = network.forward[-1]
    return count_expr(last.rhs) if last.lhs not in network.nodes else OpCount()


def shared_prefixes(derivation: Derivation) -> list[SharedPrefix]:
    """For each δ in sweep order: the weights reusing it and the naive products rebuilding it.

    Equal to ``Derivation.weights_behind`` (a parameter reuses δ_v when v depends on
    it), computed with one bit mask per node so that 10,000-weight networks stay fast.
    """
    network = derivation.network
    graph = network.graph
    bit = {p: 1 << i for i, p in enumerate(network.params)}
    mask: dict[sp.Symbol, int] = {}
    down: dict[sp.Symbol, int] = {}      # paths from a symbol down to any parameter
    for v in graph.active:
        if v in bit:
            mask[v], down[v] = bit[v], 1
        else:
            producers = [e.producer for e in graph.out_edges(v)]
            mask[v] = _union(mask[u] for u in producers)
            down[v] = sum(down[u] for u in producers)
    counts = graph.path_counts
    return [SharedPrefix(v, d, _members(mask[v], network.params), counts[v] * down[v])
            for v, d in derivation.delta.items()]


def _union(masks) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


def _members(mask: int, params) -> tuple:
    out = []
    while mask:
        low = mask & -mask
        out.append(params[low.bit_length() - 1])
        mask ^= low
    return tuple(out)
