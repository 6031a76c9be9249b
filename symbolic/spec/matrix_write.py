"""A matrix network written as a matrix spec (``input X[6]``, ``Z = W @ X + b``) that
``parse_spec`` reads back into the same network; ``layers:`` names included."""
from __future__ import annotations

import sympy as sp

from ..errors import NetworkError
from ..matrix import BATCH, Apply, LogSumExp, Mean, MatrixNetwork, Softmax, SoftmaxCrossEntropy
from ..matrix.ops import join_terms
from ..matrix.text import ATOM, POWER, PRODUCT, SUM, power_text, wrap as _wrap
from .statements import name_problem
from .text import EULER, FUNCTIONS, LIMITS, LOSS
from .write import _SpecPrinter



def format_matrix_spec(network: MatrixNetwork) -> str:
    """``network`` as matrix spec text (nodes deltaprop stored, such as ``A1_in``, included)."""
    for s in network.symbols[:-1]:
        why = name_problem(s.name, LIMITS)
        if why:
            raise NetworkError(f"network {network.name!r} cannot be written as a spec: {why}")
    title = "".join(c if c.isprintable() else "?" for c in network.name)
    lines = [f"# {title}: a deltaprop matrix network spec (see README, 'Matrix networks you "
             "declare')"]
    for role, group in (("input", network.inputs), ("target", network.targets),
                        ("param", network.params)):
        if group:
            lines.append(f"{role} " + " ".join(_declared(network, s) for s in group))
    read = set().union(*(rhs.free_symbols for _, rhs in network.forward))
    lines += [f"{lhs.name} = {_text(rhs)[0]}" for lhs, rhs in network.equations
              if lhs in read or lhs not in network.stored_nodes]  # ΣT, softmax: stored again
    lines.append(f"{LOSS} = {_loss_text(network.loss)}")
    return "\n".join(lines) + "\n"


def _declared(network, symbol) -> str:
    rows, cols = symbol.shape
    if cols == BATCH:
        return f"{symbol.name}[{rows}]"
    if symbol in network.vectors:
        return f"{symbol.name}[{rows}]"
    return symbol.name if (rows, cols) == (1, 1) else f"{symbol.name}[{rows},{cols}]"


def _loss_text(loss) -> str:
    """The per-sample loss: Mean(R) of a 1 × B row is R, of a matrix M it is sum(M)."""
    if isinstance(loss, SoftmaxCrossEntropy):
        z, t = (_text(a)[0] for a in loss.args)
        return f"logsumexp({z})*sum({t}) - sum({t}*{z})"
    if isinstance(loss, sp.MatAdd):  # e.g. a cross-entropy plus a weight decay
        return " + ".join(f"({_loss_text(term)})" for term in loss.args)
    if isinstance(loss, sp.MatMul) and isinstance(loss.as_coeff_matrices()[1][-1], Mean):
        coeff, (mean,) = loss.as_coeff_matrices()
        return f"{_number(coeff, PRODUCT)}*({_loss_text(mean)})"
    if isinstance(loss, Mean):
        inner = loss.arg
        text = _text(inner)[0]
        return text if inner.shape[0] == 1 else f"sum({text})"
    return _text(loss)[0]


def _text(expr) -> tuple[str, int]:
    """(spec text, precedence) of one matrix expression."""
    if isinstance(expr, sp.MatrixSymbol):
        return expr.name, ATOM
    method = _WRITERS.get(type(expr))
    if method is None:
        raise NetworkError(f"{type(expr).__name__} cannot be written in a spec file: {expr}")
    return method(expr)


def _number(value, at_least=ATOM) -> str:
    """A coefficient as the scalar spec writer prints it (``e``, ``pi``, round-trip floats)."""
    if any(s.name == EULER for s in value.free_symbols):
        raise NetworkError("a coefficient with a symbol named e cannot be written")
    text = _SpecPrinter({"order": "none"}).doprint(value)
    simple = value.is_Integer and not value.is_negative or value.is_Symbol or value.is_NumberSymbol
    return f"({text})" if not simple and at_least > SUM else text


def _matmul(expr):
    coeff, factors = expr.as_coeff_matrices()
    body = _product(list(factors))
    if coeff == 1:
        return body
    if coeff == -1:
        return f"-{_wrap(body, PRODUCT)}", SUM
    return f"{_number(coeff, PRODUCT)}*{_wrap(body, POWER)}", PRODUCT


def _product(factors):
    """Broadcasts are implicit in a spec; 1ᵀ·V is sum(V); the rest joins with @."""
    ones = [isinstance(f, sp.OneMatrix) for f in factors]
    if all(ones):
        return "1", ATOM
    if ones[-1] and factors[-1].shape[0] == 1:         # c·1ᵀ: a broadcast over columns
        return _product(factors[:-1])
    if ones[0] and factors[0].shape[1] == 1:           # 1·r: a broadcast over rows
        return _product(factors[1:])
    if ones[0]:                                        # 1ᵀ·V (·1): sum of the entries
        rest = factors[1:-1] if ones[-1] else factors[1:]
        return f"sum({_product(rest)[0]})", ATOM
    if ones[-1] and _one_row_of_parameters(factors[:-1]):   # r·1 of a 1 × n row: sum(r)
        return f"sum({_product(factors[:-1])[0]})", ATOM
    if any(ones):
        raise NetworkError("a sum over rows or over the batch cannot be written in a spec file")
    if len(factors) == 1:
        return _text(factors[0])
    return " @ ".join(_wrap(_text(f), POWER) for f in factors), PRODUCT


def _one_row_of_parameters(factors) -> bool:
    rows, cols = (factors[0].shape[0], factors[-1].shape[1])
    return rows == 1 and cols != BATCH


def _matadd(expr):
    return join_terms(expr, lambda term, negative: _wrap(_text(term),
                                                         PRODUCT if negative else SUM)), SUM


def _hadamard(expr):
    return " * ".join(_wrap(_text(a), POWER) for a in expr.args), PRODUCT


def _power(expr):
    base, n = expr.args
    return power_text(_text(base), n, "sqrt", "^", lambda e: _number(e, ATOM))


def _apply(expr):
    if expr.name not in FUNCTIONS:
        raise NetworkError(f"{expr.name}() cannot be written in a spec file")
    return f"{expr.name}({_text(expr.arg)[0]})", ATOM


_WRITERS = {
    sp.MatMul: _matmul, sp.MatAdd: _matadd, sp.HadamardProduct: _hadamard,
    sp.HadamardPower: _power, Apply: _apply,
    sp.Transpose: lambda e: (f"{_wrap(_text(e.arg), ATOM)}.T", ATOM),
    sp.OneMatrix: lambda e: ("1", ATOM),
    LogSumExp: lambda e: (f"logsumexp({_text(e.arg)[0]})", ATOM),
    Softmax: lambda e: (f"softmax({_text(e.arg)[0]})", ATOM),
}
