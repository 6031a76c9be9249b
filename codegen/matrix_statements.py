"""Code lines of the generated matrix functions, with the rewrites measured to speed them up.

Every assignment ``lhs = rhs`` becomes one line ``name = code  # math  [shape]``, except:

- a sum with a matrix product (a layer ``Z = W·A + b·1ᵀ``, ``W·X + V·C``, a residual
  ``X + W·H``) adds the other terms in place into the fresh product (``Z += b``);
- ``Y = softmax(Z)``, the targets' sums ``S = 1ᵀT`` and ``L = softmax_ce(Z, T)`` share one
  exponential (one helper call; δ_Z = (Y ⊙ 1·S − T)/B is exact for any T);
- in ``gradients`` only (it returns no nodes): ``A = relu.(Z)`` overwrites Z when Z is used
  elsewhere only as step.(Z), which then reads step.(A) (relu(z) > 0 exactly when z > 0); and
  ``δ_Z = δ_A ⊙ F`` multiplies in place into δ_A when nothing later reads δ_A.

Per-line medians on layers:784-256-128-10:relu:softmax-ce, float32, batch 1024 (of a ~5 ms step):
bias add 0.14 -> 0.07 ms, ReLU masks 0.29 -> 0.19 ms, softmax + loss 0.25 -> 0.07 ms, bias
gradients (``ones_B @ δ``, printer) 0.18 -> 0.08 ms, ReLU in place ~0.05 ms.  Fresh 1 MB
temporaries cost no page faults here (0 minor faults per call: glibc reuses the memory), so no
work buffers are cached between calls.
"""
from __future__ import annotations

import sympy as sp

from symbolic.matrix.ops import (BATCH, Apply, Softmax, SoftmaxCrossEntropy, signed_terms,
                                 sum_rows, sum_terms)
from symbolic.matrix.text import math_text, shape_text


class Statements:
    """Prints assignments of one network as code lines; ``names`` maps symbols to code names."""

    def __init__(self, printer, names: dict, reshapes: dict | None = None, scalars=(),
                 own: dict | None = None):
        """``scalars``: the symbols (the loss) printed as 0-d values, never 1 × 1 arrays;
        ``own``: deltaprop's δ and gradient symbols (``text.own_symbols``), which alone the
        comments write as δ and ∂L/∂ (a user's node named delta_Z stays delta_Z)."""
        self.printer, self.names, self.reshapes = printer, names, reshapes or {}
        self.scalars = frozenset(scalars)
        self.own = own or {}

    def math(self, expr) -> str:
        return math_text(expr, self.own)

    def line(self, lhs, rhs, code_rhs=None) -> str:
        """``name = code  # lhs = rhs  [shape]`` (code printed from code_rhs when given); a
        one-column parameter's gradient is reshaped to the parameter's array shape."""
        code_rhs = rhs if code_rhs is None else code_rhs
        code = (self.printer.scalar(code_rhs)[0] if lhs in self.scalars
                else self.printer.code(code_rhs))
        if lhs in self.reshapes and not _batch_sum_of_vector(code_rhs, self.reshapes[lhs]):
            code = self.printer.reshape(code, self.reshapes[lhs])
        return f"{self.names[lhs]} = {code}  # {self.math(lhs)} = {self.math(rhs)}  [{shape_text(lhs)}]"

    def forward(self, assignments, readers=None) -> tuple[list, dict]:
        """(lines, {step.(Z): step.(A)}); relus go in place when ``readers`` (the assignments
        run after the forward ones, e.g. the δ sweep) is given."""
        assignments = list(assignments)
        fused = _softmax_groups(assignments)
        skipped = {s for _, *rest in fused.values() for s in rest if s is not None}
        reusable = {} if readers is None else _relu_in_place(assignments, list(readers))
        lines, substitutions = [], {}
        for lhs, rhs in assignments:
            if lhs in skipped:
                continue
            if lhs in fused:
                lines.extend(self._softmax_group(*fused[lhs], dict(assignments)))
            elif lhs in reusable:
                lines.append(self._relu_in_place(lhs, rhs.arg))
                substitutions[Apply("step", rhs.arg)] = Apply("step", lhs)
            else:
                lines.extend(self._assignment(lhs, rhs))
        return lines, substitutions

    def backward(self, program, substitutions: dict, kept: list, in_place: bool = False) -> list:
        """Lines of the δ sweep; ``kept``: symbols still read after it (the returned gradients)."""
        program = list(program)
        lines = []
        for i, (lhs, rhs) in enumerate(program):
            code_rhs = rhs.xreplace(substitutions)
            later = [r for _, r in program[i + 1:]]
            target = (_reusable_factor(code_rhs, later, kept, program)
                      if in_place and lhs not in self.reshapes else None)
            if target is None:
                lines.append(self.line(lhs, rhs, code_rhs))
                continue
            rest = [a for a in code_rhs.args if a != target]
            rest_code = (self.printer.factor(rest[0], lhs.shape[1] == BATCH)[0] if len(rest) == 1
                         else self.printer.code(sp.HadamardProduct(*rest)))
            lines.append(f"{self.names[lhs]} = np.multiply({self.names[target]}, {rest_code}, "
                         f"out={self.names[target]})  # {self.math(lhs)} = {self.math(rhs)}, "
                         f"in place into {self.math(target)}  [{shape_text(lhs)}]")
        return lines

    def _assignment(self, lhs, rhs) -> list:
        """One line, or for a sum with a matrix product (a layer W·A + b·1ᵀ, two inputs
        W·X + V·C, a residual X + W·H) the product into a fresh array and each other term
        added (subtracted) in place: no temporary for the sum."""
        split = _product_split(lhs, rhs)
        if split is None:
            return [self.line(lhs, rhs)]
        product, rest = split
        name, shape = self.names[lhs], shape_text(lhs)
        lines = [f"{name} = {self.printer.code(product)}  # {self.math(product)}  [{shape}]"]
        for k, (negative, term) in enumerate(rest):
            math = (f"{self.math(lhs)} = {self.math(rhs)}" if k == len(rest) - 1
                    else f"{'-' if negative else '+'} {self.math(term)}")
            lines.append(f"{name} {'-' if negative else '+'}= {self.printer.emit(term, True)[0]}"
                         f"  # {math}  [{shape}]")
        return lines

    def _relu_in_place(self, lhs, z) -> str:
        z_name = self.names[z]
        return (f"{self.names[lhs]} = np.maximum({z_name}, 0, out={z_name})  # {self.math(lhs)} = "
                f"relu.({self.math(z)}), in place: {self.math(z)} is read later only as "
                f"step.({self.math(z)}) = step.({self.math(lhs)})  [{shape_text(lhs)}]")

    def _softmax_group(self, y, sums, loss, rhs_of) -> list:
        """``Y, S, L = _softmax_and_cross_entropy(Z, T)``: one exponential for all three (the
        targets' sums S are unused, ``_``, when no node holds them); then ``L += rest`` when
        the loss adds other terms (a weight decay) to the cross-entropy."""
        fused = _cross_entropy_of(rhs_of[loss])
        logits, target = (self.printer.emit(a, True)[0] for a in fused.args)
        targets = [] if sums is None else [f"{self.math(sums)} = {self.math(rhs_of[sums])}"]
        sums_name = "_" if sums is None else self.names[sums]
        math = ", ".join([f"{self.math(y)} = {self.math(rhs_of[y])}", *targets,
                          f"{self.math(loss)} = {self.math(fused)}"])
        shapes = ", ".join([shape_text(y)] + [shape_text(sums)] * (sums is not None) + ["scalar"])
        lines = [f"{self.names[y]}, {sums_name}, {self.names[loss]} = _softmax_and_cross_entropy("
                 f"{logits}, {target})  # {math}  [{shapes}]"]
        rest = [a for a in rhs_of[loss].args if a != fused] if rhs_of[loss] != fused else []
        if rest:
            rest_code = self.printer.scalar(rest[0] if len(rest) == 1 else sp.MatAdd(*rest))[0]
            lines.append(f"{self.names[loss]} += {rest_code}  # {self.math(loss)} = "
                         f"{self.math(rhs_of[loss])}  [scalar]")
        return lines


def _batch_sum_of_vector(rhs, shape: str) -> bool:
    """True for δ·1 of a 1-D parameter: ``ones_B @ δ`` already has its shape."""
    if not (isinstance(rhs, sp.MatMul) and shape.endswith(",)")):
        return False
    last = rhs.as_coeff_matrices()[1][-1]
    return isinstance(last, sp.OneMatrix) and last.shape[0] == BATCH


def _softmax_groups(assignments) -> dict:
    """{Y: (Y, S, L)} for each Y = softmax(Z) with S = 1ᵀT and a later L = softmax_ce(Z, T)
    (S is None when no node holds the targets' sums)."""
    groups = {}
    for y, rhs in assignments:
        if not isinstance(rhs, Softmax):
            continue
        for loss, other in assignments:
            fused = _cross_entropy_of(other)
            if fused is not None and fused.logits == rhs.arg:
                sums = [s for s, r in assignments if r == sum_rows(fused.target)]
                groups[y] = (y, sums[0] if sums else None, loss)
                break
    return groups


def _cross_entropy_of(rhs):
    """The softmax cross-entropy that ``rhs`` is, or that it adds other terms to, or None."""
    if isinstance(rhs, SoftmaxCrossEntropy):
        return rhs
    found = [a for a in rhs.args if isinstance(a, SoftmaxCrossEntropy)] \
        if isinstance(rhs, sp.MatAdd) else []
    return found[0] if len(found) == 1 else None


def _product_split(lhs, rhs):
    """(a matrix product P, the other terms as [(negative, |term|)]) when ``rhs`` is a sum
    of per-sample matrices with such a product (its array is fresh and full: the terms can be
    added into it), else None."""
    if not (isinstance(rhs, sp.MatAdd) and lhs.shape[1] == BATCH):
        return None
    terms = sum_terms(rhs)
    products = [a for a in terms if _is_product(a)]
    if not products:
        return None
    return products[0], signed_terms([a for a in terms if a is not products[0]])


def _is_product(expr) -> bool:
    if not isinstance(expr, sp.MatMul):
        return False
    coeff, factors = expr.as_coeff_matrices()
    return coeff == 1 and len(factors) >= 2 and not any(isinstance(f, sp.OneMatrix) for f in factors)


def _relu_in_place(assignments, readers) -> dict:
    """{A: Z} for A = relu.(Z) where Z is a computed node read elsewhere only inside step.(Z)."""
    computed = {lhs: rhs for lhs, rhs in assignments}
    out = {}
    for lhs, rhs in assignments:
        if isinstance(rhs, Apply) and rhs.name == "relu" and rhs.arg in computed:
            z = rhs.arg
            if (not isinstance(computed[z], sp.MatrixSymbol)
                    and _only_under_step(z, assignments + readers, lhs)):
                out[lhs] = z
    return out


def _only_under_step(z, assignments, relu_lhs) -> bool:
    for lhs, rhs in assignments:
        if lhs == relu_lhs or z not in rhs.free_symbols:
            continue
        stripped = rhs.xreplace({Apply("step", z): sp.ZeroMatrix(*z.shape)})
        if z in stripped.free_symbols:
            return False
    return True


def _reusable_factor(rhs, later, kept, program):
    """The factor δ of a Hadamard product δ ⊙ F whose array may be overwritten, or None."""
    if not isinstance(rhs, sp.HadamardProduct):
        return None
    computed = {lhs: r for lhs, r in program}
    for factor in rhs.args:
        fresh = factor in computed and not isinstance(computed[factor], (sp.MatrixSymbol, sp.Transpose))
        if fresh and factor not in kept and not any(factor in r.free_symbols for r in later):
            return factor
    return None
