"""Softmax cross-entropy written out by hand in a matrix spec is the fused loss of ``layers:``
(issue 12 points 4 and 7), exact for targets whose rows do not sum to 1.

Checked against: the network's scalar twin (every entry a symbol, derived by the scalar engine,
``matrix_twin``), central differences of the module's own loss, a 30-digit SymPy evaluation of
Σ_k t_k (logsumexp(z) − z_k) and its derivative softmax(z)·Σt − t at logits ±1000, and the
``layers:`` module itself (same statements modulo the names of nodes).
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import sympy as sp

from codegen import generate_module, load_module
from matrix_twin import twin_gradients
from symbolic.errors import NetworkWarning
from symbolic.matrix import SoftmaxCrossEntropy, parse_layers
from symbolic.spec import parse_spec

HEAD = ("input X[4]\ntarget T[3]\nparam W1[5,4] b1[5] W2[6,5] b2[6] W3[3,6] b3[3]\n"
        "A1 = relu(W1 @ X + b1)\nA2 = relu(W2 @ A1 + b2)\nZ3 = W3 @ A2 + b3\n")

#: every way of writing Σ_k T_k (logsumexp(Z3) − Z3_k) that is recognised as the fused loss.
FORMS = {
    "lse-times-target-sum": "loss = logsumexp(Z3)*sum(T) - sum(T*Z3)",
    "target-times-lse-minus-z": "loss = sum(T*(logsumexp(Z3) - Z3))",
    "log-of-softmax-node": "Y = softmax(Z3)\nloss = -sum(T*log(Y))",
    "log-of-softmax-inline": "loss = -sum(T*log(softmax(Z3)))",
    "logsumexp-node": "S = logsumexp(Z3)\nloss = sum(T)*S - sum(Z3*T)",
    "reordered-terms": "loss = -sum(Z3*T) + sum(T)*logsumexp(Z3)",
}


def spec(form: str):
    return parse_spec(HEAD + FORMS[form] + "\n", f"{form}.net")


def point(batch=5, seed=0, dtype=np.float64, scale=2.0):
    """Parameters ~ N(0, 0.5²), inputs ~ N(0, 1), targets ~ U(0, scale): rows do not sum to 1."""
    rng = np.random.default_rng(seed)
    shapes = {"W1": (5, 4), "b1": (5,), "W2": (6, 5), "b2": (6,), "W3": (3, 6), "b3": (3,)}
    params = {k: rng.normal(0, 0.5, s).astype(dtype) for k, s in shapes.items()}
    data = {"X": rng.normal(0, 1, (batch, 4)).astype(dtype),
            "T": rng.uniform(0, scale, (batch, 3)).astype(dtype)}
    assert np.all(np.abs(data["T"].sum(axis=1) - 1) > 1e-3)
    return params, data


def central_differences(module, params, data, h=1e-6) -> dict:
    out = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            up, down = ({**params, name: value.copy()} for _ in range(2))
            up[name][i] += h
            down[name][i] -= h
            grad[i] = (module.loss(up, data) - module.loss(down, data)) / (2 * h)
        out[name] = grad
    return out


def assert_twin(network, module, params, data, numeric=False) -> dict:
    """The module's loss and gradients equal the scalar twin's (and central differences of
    the module's loss when ``numeric``); returns the gradients."""
    loss, grads = module.gradients(params, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)   # e.g. the twin's unused node T_sum
        twin_loss, twin = twin_gradients(network, params, data)
    assert float(loss) == pytest.approx(twin_loss, rel=1e-12)
    differences = central_differences(module, params, data) if numeric else {}
    for name in params:
        np.testing.assert_allclose(grads[name], twin[name], rtol=1e-9, atol=1e-12)
        if numeric:
            np.testing.assert_allclose(grads[name], differences[name], rtol=1e-5, atol=1e-8)
    return grads


def assigned_names(body: str) -> list:
    """Names assigned in a function body, in order of first assignment."""
    names = []
    for targets in re.findall(r"^\s+([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) (?:\+)?= ", body, re.M):
        names += [n for n in targets.split(", ") if n not in names]
    return names


def canonical(source: str, function: str) -> str:
    """``function``'s body without comments, its assigned names replaced by v0, v1, ..."""
    start = source.index(f"def {function}(")
    body = source[start:source.index("\ndef ", start + 1)]
    body = "\n".join(line.split("  # ")[0].rstrip() for line in body.splitlines())
    for k, name in enumerate(assigned_names(body)):
        body = re.sub(rf"\b{name}\b(?!')", f"v{k}", body)
    return body


@pytest.mark.parametrize("form", sorted(FORMS))
def test_written_out_cross_entropy_is_the_fused_loss(form):
    network = spec(form)
    assert isinstance(network.loss, SoftmaxCrossEntropy)
    assert (network.loss.logits.name, network.loss.target.name) == ("Z3", "T")


@pytest.mark.parametrize("form", sorted(FORMS))
def test_gradients_exact_for_targets_not_summing_to_one(form):
    network = spec(form)
    module = load_module(generate_module(network))
    assert_twin(network, module, *point(), numeric=True)


def test_layers_softmax_ce_is_exact_for_targets_not_summing_to_one():
    """The builder's fused loss keeps ΣT in its δ: softmax(Z)·ΣT − T, not softmax(Z) − T."""
    network = parse_layers("layers:4-5-6-3:relu:softmax-ce")
    module = load_module(generate_module(network))
    assert_twin(network, module, *point(seed=3))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_same_statements_as_layers_modulo_names(form):
    layers = generate_module(parse_layers("layers:4-5-6-3:relu:softmax-ce"))
    written = generate_module(spec(form))
    for function in ("gradients", "loss"):
        assert canonical(written, function) == canonical(layers, function)
    assert canonical(written, "gradients").count("_softmax_and_cross_entropy(") == 1


def test_canonical_renaming_still_sees_a_different_statement():
    layers = generate_module(parse_layers("layers:4-5-6-3:relu:softmax-ce"))
    changed = layers.replace("np.maximum(Z1, 0, out=Z1)", "np.maximum(Z1, 1, out=Z1)")
    assert changed != layers and canonical(changed, "gradients") != canonical(layers, "gradients")


def exact_cross_entropy(z: list, t: list) -> tuple:
    """(Σ_k t_k (lse(z) − z_k), [softmax(z)_k·Σt − t_k]) with 30-digit SymPy arithmetic."""
    zs, ts = [sp.Integer(v) for v in z], [sp.Rational(v) for v in t]  # t exactly
    lse = sp.log(sum(sp.exp(v) for v in zs))
    loss = sum(tk * (lse - zk) for tk, zk in zip(ts, zs))
    delta = [sp.exp(zk - lse) * sum(ts) - tk for tk, zk in zip(ts, zs)]
    return float(sp.N(loss, 30)), [float(sp.N(d, 30)) for d in delta]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_finite_at_logits_of_plus_minus_1000(form, dtype):
    """Z3 = W3 @ A2 + b3 with W3 = 0 and b3 = (1000, −1000, 0): loss and every gradient
    finite, no floating-point warning, equal to 30-digit SymPy values; float32 stays float32."""
    module = load_module(generate_module(spec(form)))
    params, data = point(batch=2, seed=1, dtype=dtype)
    params["W3"][:] = 0
    params["b3"][:] = np.array([1000, -1000, 0], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss, grads = module.gradients(params, data)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    rows = [exact_cross_entropy([1000, -1000, 0], t) for t in data["T"].astype(float)]
    assert np.asarray(loss).dtype == dtype
    assert float(loss) == pytest.approx(np.mean([r[0] for r in rows]), rel=tolerance)
    expected_b3 = np.mean([r[1] for r in rows], axis=0)     # δ_Z3 summed over the batch / B
    np.testing.assert_allclose(grads["b3"], expected_b3, rtol=tolerance, atol=tolerance)
    assert all(g.dtype == dtype and np.all(np.isfinite(g)) for g in grads.values())


def test_float32_gradients_close_to_float64():
    module = load_module(generate_module(spec("log-of-softmax-node")))
    params, data = point(batch=8, seed=2)
    _, exact = module.gradients(params, data)
    single = {k: v.astype(np.float32) for k, v in params.items()}
    loss, grads = module.gradients(single, {k: v.astype(np.float32) for k, v in data.items()})
    assert np.asarray(loss).dtype == np.float32
    for name in params:
        assert grads[name].dtype == np.float32
        np.testing.assert_allclose(grads[name], exact[name], rtol=2e-4, atol=2e-6)


#: losses that are not Σ_k T_k (lse(Z) − Z_k) for a target T (weight 2T against ΣT; no −T⊙Z;
#: a weight A2 that depends on parameters).
NOT_CROSS_ENTROPY = ["loss = logsumexp(Z3)*sum(T) - sum(2*T*Z3)", "loss = logsumexp(Z3)*sum(T)",
                     "loss = logsumexp(Z3)*sum(A2) - sum(A2*Z3)"]


@pytest.mark.parametrize("text", NOT_CROSS_ENTROPY)
def test_other_losses_are_left_alone_and_stay_exact(text):
    name = "not-cross-entropy"
    head = HEAD.replace("W2[6,5] b2[6] W3[3,6]", "W2[3,5] b2[3] W3[3,3]") if "A2" in text else HEAD
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)   # T unused in param-dependent-weight
        network = parse_spec(head + text + "\n", f"{name}.net")
    assert not isinstance(network.loss, SoftmaxCrossEntropy)
    module = load_module(generate_module(network))
    params, data = point()
    if "A2" in text:
        rng = np.random.default_rng(4)
        params.update(W2=rng.normal(0, 0.5, (3, 5)), b2=rng.normal(0, 0.5, 3),
                      W3=rng.normal(0, 0.5, (3, 3)))
    assert_twin(network, module, params, data)


#: the cross-entropy plus other terms: fused, the rest added (L = softmax_ce + mean(rest)).
WITH_MORE_TERMS = {
    "weight-decay": "loss = logsumexp(Z3)*sum(T) - sum(T*Z3) + 0.01*sum(W1^2)",
    "softmax-node-and-logit-penalty": "Y = softmax(Z3)\nloss = -sum(T*log(Y)) + sum(Z3^2)/2",
    "same-sum-more-entries": "loss = sum(T*(logsumexp(Z3) - Z3) + T*Z3^2)",
}


@pytest.mark.parametrize("name", sorted(WITH_MORE_TERMS))
def test_cross_entropy_with_more_terms_is_fused_and_exact(name):
    from symbolic.spec.matrix_write import format_matrix_spec

    network = parse_spec(HEAD + WITH_MORE_TERMS[name] + "\n", f"{name}.net")
    fused = [a for a in network.loss.args if isinstance(a, SoftmaxCrossEntropy)]
    assert isinstance(network.loss, sp.MatAdd) and len(fused) == 1
    source = generate_module(network)
    assert canonical(source, "gradients").count("_softmax_and_cross_entropy(") == 1
    assert "_logsumexp(" not in source and "_softmax(" not in source
    module = load_module(source)
    params, data = point(seed=5)
    grads = assert_twin(network, module, params, data, numeric=True)
    assert float(module.loss(params, data)) == pytest.approx(float(module.gradients(params, data)[0]),
                                                             rel=1e-12)
    again = load_module(generate_module(parse_spec(format_matrix_spec(network), "again.net")))
    for k in params:   # the `spec` writer's text reads back the same network
        np.testing.assert_allclose(again.gradients(params, data)[1][k], grads[k], rtol=1e-12)
