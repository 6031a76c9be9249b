"""codegen.pricing: op counts of generated code as it executes, checked three ways.

1. hand counts of small networks (the programs are listed in each test);
2. the prices of deltaprop's functions against their printed code, executed on an object that
   counts every operation applied to it;
3. shipped_cost against the generated ``gradients`` itself, executed on a batch whose arrays
   count every NumPy operation applied to them (scalar operations are per call).
"""
from __future__ import annotations

import random
import re
import types

import numpy as np
import pytest
import sympy as sp

from codegen import generate_module, load_module
from codegen.pricing import PRICES, SplitCost, executed_ops, program_cost, reduction_ops, split_ops
from codegen.scalar import shipped_cost
from codegen.printer import HELPERS, NumPyCodePrinter
from symbolic import Network, builtin, mlp
from symbolic.count import OpCount
from symbolic.program import Assignment
from symbolic.functions import FLOAT_IMPLEMENTATIONS, logsumexp, relu, sigmoid, softplus

x, t, w, w1, w2, h, d, d1, d2, a, b, c = sp.symbols("x t w w1 w2 h d d1 d2 a b c")


def single_sigmoid_unit() -> Network:
    z, y = sp.symbols("z y")
    return Network("unit", [x], [t], [w], [(z, w * x), (y, sigmoid(z))], (y - t) ** 2 / 2)


# -- 1. hand counts -------------------------------------------------------------------------------
def test_single_sigmoid_unit_hand_count():
    """Per call: w_half = w/2 (1), the loss's 1/2 (1).  Per sample: z_half = w_half*x (1),
    y = 0.5 + 0.5*tanh(z_half) (3: codegen.rewrites), c0 = y - t (1), loss np.dot(c0, c0) (1);
    delta_z = c0*y*(1 - y) (3), grad_w += np.dot(delta_z, x) (1)."""
    cost = shipped_cost(single_sigmoid_unit())
    assert cost.forward == SplitCost(OpCount(adds=2, muls=2, divs=1, funcs=1),
                                     OpCount(muls=1, divs=1))
    assert (cost.delta.per_sample.total, cost.delta.per_call.total) == (4, 0)
    assert (cost.per_sample, cost.one_sample) == (10, 12)


def test_seed_121_hand_count():
    """Forward per sample: z1_half, z2_half (1 each), h1, h2, y (0.5 + 0.5*tanh: 3 each),
    z3_half = h1*w3_half + h2*w4_half (3), c0 = y - t (1), loss c0*c0 (1) = 16; per call the
    four halved weights and the loss's 1/2 (5).  Backward: delta_z3 = c0*y*(1 - y) (3),
    delta_h1, delta_h2 (1 each), delta_z1, delta_z2 (3 each), four weight gradients (1 each)
    = 15.  (Update these counts when the derivation gets cheaper.)"""
    cost = shipped_cost(builtin("seed-121"))
    assert (cost.forward.per_sample.total, cost.forward.per_call.total) == (16, 5)
    assert (cost.delta.per_sample.total, cost.delta.per_call.total) == (15, 0)
    assert cost.one_sample == 36


def test_seed_product_is_all_per_call():
    """No inputs: x = 2w + 3b (3), y = 2b + 1 (2), z = x*y (1); delta_x = y, delta_y = x are
    copies, dz/dw = 2*y (1), dz/db = 3*y + 2*x (3): 10 operations, none on a batch."""
    cost = shipped_cost(builtin("seed-product"))
    assert (cost.per_sample, cost.one_sample) == (0, 10)


def test_functions_priced_by_their_code_nested_and_constants_folded():
    assert executed_ops(sigmoid(sigmoid(x))).total == 8
    assert executed_ops(softplus(x) - t * x).total == 3                     # np.logaddexp
    assert executed_ops(logsumexp(a, b, c) - a).total == 3
    assert executed_ops(sp.Piecewise((0, sp.Eq(b, 0)), (b * x, True))).total == 3
    assert executed_ops(relu(w * x)).total == 2
    assert executed_ops(sp.sqrt(2) / sp.sqrt(sp.pi) * x + 1).total == 2   # one constant
    assert executed_ops(sp.tanh(x) * sp.exp(-x)).total == 4                 # as symbolic.count
    assert executed_ops(x - t).total == 1
    assert executed_ops(-x - t).total == 2                                  # -x - t


def test_scalar_operands_are_per_call():
    assert split_ops(w1 * w2 * x, {x}) == SplitCost(OpCount(muls=1), OpCount(muls=1))
    assert split_ops(-w * x, {x}) == SplitCost(OpCount(muls=1), OpCount(muls=1))
    assert split_ops(w1 + w2 + x + 1, {x}) == SplitCost(OpCount(adds=1), OpCount(adds=2))
    assert split_ops(sigmoid(w1 * w2), {x}) == SplitCost(per_call=OpCount(adds=1, muls=3,
                                                                          funcs=1))
    where = sp.Piecewise((0, sp.Eq(b, 0)), (b * x, True))            # np.where(b == 0, 0, b*x)
    assert split_ops(where, {x}) == SplitCost(OpCount(muls=1, funcs=1), OpCount(funcs=1))


def test_reductions_pull_scale_factors_out_of_the_batch_sum():
    assert reduction_ops(w * h * d, {h, d}) == SplitCost(OpCount(muls=1), OpCount(muls=1))
    assert reduction_ops(c ** 2 / 2, {c}) == SplitCost(OpCount(muls=1), OpCount(muls=1))
    assert reduction_ops(d, {d}) == SplitCost()                              # np.sum(d)
    assert reduction_ops(d1 + d2, {d1, d2}) == SplitCost(OpCount(adds=1))    # two sums
    assert reduction_ops(w + d, {d}) == SplitCost(per_call=OpCount(adds=1))


def test_temporaries_of_numbers_alone_are_constants():
    """CSE names sqrt(2) and 1/sqrt(pi) (GELU's sqrt(2/pi)); their product is a constant."""
    c0, c1, y = sp.symbols("c0 c1 y")
    net = Network("gelu-like", [x], [t], [w], [(y, sp.tanh(w * x))], (y - t) ** 2)
    program = [Assignment(c0, sp.sqrt(2)), Assignment(c1, 1 / sp.sqrt(sp.pi)),
               Assignment(y, c0 * c1 * x)]
    assert program_cost(net, program, {}) == SplitCost(OpCount(muls=1))


def test_loss_stored_by_forward_but_summed_by_loss():
    net = single_sigmoid_unit()
    stored = program_cost(net, net.forward, {}, loss_stored=True)
    summed = program_cost(net, net.forward, {})
    assert (stored.per_sample.total, stored.per_call.total) == (8, 0)    # 0.5*(y - t)**2
    assert (summed.per_sample.total, summed.per_call.total) == (7, 1)    # 0.5*np.sum((y-t)**2)


# -- 2. prices against the printed code ---------------------------------------------------------
class Tally:
    """A value that counts every arithmetic operation and NumPy ufunc applied to it."""

    def __init__(self, counter: list):
        self.counter = counter

    def _op(self, *args, **kwargs):
        self.counter[0] += 1
        return Tally(self.counter)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _op
    __truediv__ = __rtruediv__ = __neg__ = __pow__ = _op

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self._op()


@pytest.mark.parametrize("function, arity", [(sigmoid, 1), (softplus, 1), (relu, 1),
                                             (logsumexp, 1), (logsumexp, 2), (logsumexp, 5)])
def test_price_equals_operations_of_the_printed_code(function, arity):
    args = sp.symbols(f"z1:{arity + 1}")
    printer = NumPyCodePrinter({s: s.name for s in args})
    code = printer.doprint(function(*args))
    namespace = {"np": np}
    for helper in printer.helpers:
        exec(HELPERS[helper], namespace)                # the generated module's own helper
    counter = [0]
    namespace.update({s.name: Tally(counter) for s in args})
    eval(code, namespace)
    assert counter[0] == PRICES[function](arity).total


def test_every_deltaprop_function_has_a_price():
    assert set(FLOAT_IMPLEMENTATIONS) <= set(PRICES)


# -- 3. against the generated code, executed -------------------------------------------------------
class Counted(np.ndarray):
    """Arrays over the batch that count the NumPy operations applied to them."""

    counter = [0]

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        Counted.counter[0] += 1
        plain = [i.view(np.ndarray) if isinstance(i, Counted) else i for i in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        return result.view(Counted) if isinstance(result, np.ndarray) and result.ndim else result


def traced_per_sample(network) -> int:
    """Array operations that ``gradients`` executes on one block, counted as it runs:
    ufuncs once, np.dot(u, v) as its multiplication and accumulation, np.sum as its
    accumulation, minus one accumulation per reduction (the sum over the batch)."""
    module = load_module(generate_module(network))
    real_np, extra = module.np, [0]

    def reduction(name, per_sample):
        def call(*args, **kwargs):
            extra[0] += per_sample
            return getattr(real_np, name)(*[u.view(np.ndarray) if isinstance(u, Counted) else u
                                            for u in args], **kwargs)
        return call

    module.np = types.SimpleNamespace(**{k: getattr(real_np, k) for k in dir(real_np)
                                         if not k.startswith("__")})
    module.np.dot, module.np.sum = reduction("dot", 2), reduction("sum", 1)

    def where(*args):
        if any(isinstance(u, Counted) for u in args):
            Counted.counter[0] += 1
        return real_np.where(*[u.view(np.ndarray) if isinstance(u, Counted) else u
                               for u in args]).view(Counted)
    module.np.where = where
    block = module._block
    module._block = lambda columns, start: [c.view(Counted) for c in block(columns, start)]
    rng = random.Random(1)
    params = {p.name: rng.uniform(0.1, 0.9) for p in network.params}   # z**b: positive z
    data = {s.name: np.array([rng.uniform(0.1, 0.9) for _ in range(3)])
            for s in network.inputs + network.targets}
    Counted.counter[0] = 0
    module.gradients(params, data)
    return Counted.counter[0] + extra[0] - (len(network.params) + 1)


def power_and_abs() -> list[Network]:
    """Losses whose derivatives hold np.where (z**b at z = 0, b = 0) and np.sign."""
    z, u = sp.symbols("z u")
    return [Network("power", [x], [t], [w, b], [(z, w * x)], (z ** b - t) ** 2),
            Network("abs", [x], [t], [w], [(u, sp.Abs(w * x))], (u - t) ** 2)]


@pytest.mark.parametrize("network", [builtin("seed-121"), builtin("seed-222"),
                                     builtin("seed-softmax"), single_sigmoid_unit(),
                                     mlp([2, 3, 1], "tanh", "bce"),
                                     mlp([2, 2, 3], "relu", "softmax-ce")] + power_and_abs(),
                         ids=lambda n: n.name)
def test_per_sample_count_equals_the_executed_generated_code(network):
    assert shipped_cost(network).per_sample == traced_per_sample(network)


def test_generated_comment_states_the_shipped_cost():
    network = builtin("seed-222")
    source = generate_module(network)
    cost = shipped_cost(network)
    stated = re.search(r"def gradients.*?# (\d+) ops per sample \+ (\d+) per call", source,
                       re.S)
    assert stated and (int(stated[1]), int(stated[2])) == (cost.per_sample,
                                                           cost.one_sample - cost.per_sample)
