"""Costs of a network's derivations: forward, naive per-weight chains, shared δ.

Counted with the conventions of ``symbolic.count``.  Naive costs are computed on the graph by
dynamic programming, so they are exact without building a single path.
"""
from __future__ import annotations

from dataclasses import dataclass

from .count import ZERO, OpCount, count_expr, count_program, split_fraction  # noqa: F401 (API)
from .sweep import derive
from .naive import count_path_terms


@dataclass(frozen=True)
class NetworkCosts:
    forward: OpCount
    naive: OpCount
    delta: OpCount
    paths: int

    def as_dict(self) -> dict:
        return {"forward": self.forward.as_dict(), "naive": self.naive.as_dict(),
                "delta": self.delta.as_dict(), "paths": self.paths}

    def rows(self) -> list[tuple[str, OpCount]]:
        """The cost table's rows, as every report prints them."""
        return [("forward", self.forward), ("naive backward", self.naive),
                ("delta backward", self.delta)]

    @property
    def ratios(self) -> dict:
        return cost_ratios(self.forward, self.naive, self.delta)


COLUMNS = ("adds", "muls", "divs", "funcs", "total")


def cost_table(rows: list[tuple[str, OpCount | str]]) -> list[str]:
    """The one text cost table: a row per program (a string in place of a count is a note)."""
    width = max(len(name) for name, _ in rows) + 2
    lines = [f"{'program':<{width}}" + "".join(f"{c:>10}" for c in COLUMNS)]
    for name, cost in rows:
        cells = (cost if isinstance(cost, str) else
                 "".join(f"{getattr(cost, c):>10,}" for c in COLUMNS))
        lines.append(f"{name:<{width}}{cells}")
    return lines


def cost_ratios(forward: OpCount, naive: OpCount, delta: OpCount) -> dict:
    f, d = max(forward.total, 1), max(delta.total, 1)
    return {"naive_over_forward": naive.total / f, "delta_over_forward": delta.total / f,
            "naive_over_delta": naive.total / d}


def ratio_line(ratios: dict) -> str:
    """backward/forward and naive/δ, as every report words them."""
    return (f"backward/forward: naive {ratios['naive_over_forward']:.2f}x, delta "
            f"{ratios['delta_over_forward']:.2f}x; naive/delta {ratios['naive_over_delta']:.2f}x")


def naive_cost(network) -> OpCount:
    """Cost of evaluating every parameter's chain-rule sum on its own, given forward values.

    Per path: each local partial on it, plus one multiplication per extra non-unit factor;
    per parameter: one addition per extra path.  Aggregated over paths by dynamic
    programming over the graph (number of paths, summed partial costs, factor counts).
    """
    graph = network.graph
    n = {graph.loss: 1}                  # paths from the loss to v
    ops = {graph.loss: ZERO}             # Σ over those paths of the partials' costs
    factors = {graph.loss: 0}            # Σ over paths of non-unit factors
    bare = {graph.loss: 1}               # paths with no non-unit factor at all
    for v in reversed(graph.active):
        if v == graph.loss:
            continue
        n[v], ops[v], factors[v], bare[v] = 0, ZERO, 0, 0
        for e in graph.in_edges(v):
            u, unit = e.consumer, e.partial == 1
            n[v] += n[u]
            ops[v] += ops[u] + n[u] * count_expr(e.partial)
            factors[v] += factors[u] + (0 if unit else n[u])
            bare[v] += bare[u] if unit else 0
    total = ZERO
    for p in network.params:
        if n.get(p, 0):
            muls = factors[p] - n[p] + bare[p]
            total += ops[p] + OpCount(muls=muls, adds=n[p] - 1)
    return total


def network_costs(network, delta=None) -> NetworkCosts:
    """Forward, naive-backward and shared-δ-backward costs (``delta``: a derivation to reuse)."""
    delta = delta or derive(network)
    return NetworkCosts(forward=count_program(network.forward), naive=naive_cost(network),
                        delta=count_program(delta.program),
                        paths=count_path_terms(network))
