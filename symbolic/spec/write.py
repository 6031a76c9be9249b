"""Writing a network as spec text that ``parse_spec`` reads back into the same network."""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from ..errors import NetworkError
from ..network import Network
from .statements import name_problem
from .text import EULER, FUNCTIONS, LIMITS, LOSS, PI


class _SpecPrinter(StrPrinter):
    """SymPy's str printer, with the spec's name for abs, floats that round-trip and Euler's
    number as ``e`` (``exp(1)`` when the network has a symbol named ``e``)."""

    euler = EULER

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Exp1(self, expr):
        return self.euler

    def _print_Pi(self, expr):
        return PI

    def _print_Float(self, expr):
        return repr(float(expr))


_WRITABLE = (sp.Symbol, sp.Integer, sp.Rational, sp.Float, sp.Add, sp.Mul, sp.Pow, type(sp.E), type(sp.pi),
             *(f for f, _ in FUNCTIONS.values() if isinstance(f, type)))


def _check_writable(expr: sp.Expr) -> None:
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _WRITABLE) or (node.is_Number and not node.is_finite):
            what = (f"the constant {node}" if node.is_number and not node.args
                    else type(node).__name__)
            raise NetworkError(f"{what} cannot be written in a spec file (functions: "
                               f"{', '.join(FUNCTIONS)})")


def format_spec(network: Network, names_per_line: int = 10) -> str:
    """``network`` as spec text that ``parse_spec`` reads back into the same network."""
    if not isinstance(network, Network):
        raise NetworkError(f"{type(network).__name__} {network.name!r} cannot be written as a "
                           "spec file: only scalar networks can")
    for s in network.inputs + network.targets + network.params + network.nodes:
        why = name_problem(s.name, LIMITS)
        if why:
            raise NetworkError(f"network {network.name!r} cannot be written as a spec: {why}")
    printer = _SpecPrinter({"order": "none"})
    if any(s.name == EULER for s in network.symbols):
        printer.euler = "exp(1)"
    if any(s.name == PI for s in network.symbols) and any(e.has(sp.pi) for e in
                                                           [a.rhs for a in network.equations]):
        raise NetworkError(f"network {network.name!r} cannot be written as a spec: it uses π "
                           "and has a symbol named 'pi'")
    title = "".join(c if c.isprintable() else "?" for c in network.name)
    lines = [f"# {title}: a deltaprop network spec (see README, 'Network spec files')"]
    for role, symbols in (("input", network.inputs), ("target", network.targets),
                          ("param", network.params)):
        for start in range(0, len(symbols), names_per_line):
            chunk = symbols[start:start + names_per_line]
            lines.append(f"{role} " + " ".join(s.name for s in chunk))
    for expr in [a.rhs for a in network.equations] + [network.loss]:
        _check_writable(expr)
    lines += [f"{a.lhs.name} = {printer.doprint(a.rhs)}" for a in network.equations]
    lines.append(f"{LOSS} = {printer.doprint(network.loss)}")
    return "\n".join(lines) + "\n"
