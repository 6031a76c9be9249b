"""``compare`` for matrix networks: FLOPs per sample against closed forms derived by hand,
``benchmarks/bench_matrix.py``'s ``step_flops``, and the command line (table, JSON, plot)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given

from cli import run_cli
from symbolic import derive
from symbolic.errors import NetworkError
from symbolic.matrix import BATCH, Apply, LogSumExp, Mean, Softmax, layers
from symbolic.matrix.compare import compare_matrix
from symbolic.matrix.flops import ELEMENTWISE_PRICES, expression_flops, program_flops
from symbolic.spec import parse_spec
from test_matrix_fuzz import drawn_network, fuzz, matrix_specs

ROOT = Path(__file__).resolve().parents[1]
AUTOENCODER = ROOT / "examples" / "autoencoder.net"

#: Per entry: the activation forward, and δ_Z from δ_A backward (σ: δ ⊙ A ⊙ (1 − A): a
#: subtraction and two products; tanh: δ ⊙ (1 − A∘²): a square, a subtraction, a product;
#: relu: δ ⊙ (Z > 0): a comparison and a product).
ACTIVATION_FLOPS = {"sigmoid": (4, 3), "tanh": (1, 3), "relu": (1, 2)}


def product(n_in: int, n_out: int) -> int:
    """W·A per sample: a multiply and an add per term (2·n_in·n_out); with one input, W·X is
    one multiplication per entry (no sum)."""
    return 2 * n_in * n_out if n_in > 1 else n_out


def dense_forward(sizes, activation) -> int:
    """Layers of squared-loss MLP by hand: W·A, the bias (one add per unit), the activation;
    loss A − T, its square and the batch mean's sum (3 per output)."""
    f, _ = ACTIVATION_FLOPS[activation]
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return sum(product(a, b) + b + f * b for a, b in pairs) + 3 * sizes[-1]


def dense_delta(sizes, activation) -> int:
    """The textbook backward: every weight gradient δ·Aᵀ (the forward products again), every
    input gradient Wᵀ·δ but the first layer's, bias gradients δ·1 (one add per unit),
    δ_A of the loss (A − T)/B (2 per output) and δ_Z from δ_A per unit."""
    _, d = ACTIVATION_FLOPS[activation]
    pairs = list(zip(sizes[:-1], sizes[1:]))
    products = sum(2 * a * b for a, b in pairs) + sum(product(b, a) for a, b in pairs[1:])
    return products + sum(b + d * b for _, b in pairs) + 2 * sizes[-1]


@pytest.mark.parametrize("sizes, activation", [((4, 3, 2), "sigmoid"), ((7, 5, 3), "tanh"),
                                               ((6, 9, 4, 2), "relu"), ((1, 1), "sigmoid"),
                                               ((3, 1, 2), "tanh")])
def test_dense_mlp_matches_the_closed_forms(sizes, activation):
    c = compare_matrix(layers(sizes, activation, "squared"))
    assert c.forward.per_sample.total == dense_forward(sizes, activation)
    assert c.delta.per_sample.total == dense_delta(sizes, activation)
    assert c.forward.per_call.total == 2      # the mean's 1/B and the ½
    assert c.delta.per_call.total == 1        # 1/B in δ_A = (A − T)/B
    assert c.n_entries == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def _bench_matrix():
    spec = importlib.util.spec_from_file_location("bench_matrix",
                                                  ROOT / "benchmarks" / "bench_matrix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_784_256_128_10_products_are_the_benchmarks_step_flops():
    """forward + δ minus the element-wise work counted by hand = the benchmark's matmul FLOPs."""
    bench = _bench_matrix()
    c = compare_matrix(layers(bench.SIZES, "relu", "softmax-ce"))
    units = sum(bench.SIZES[1:])                      # 394: bias adds, bias gradients
    hidden = sum(bench.SIZES[1:-1])                   # 384: relu forward, masks backward
    k = bench.SIZES[-1]
    # softmax 5k; CE (k−1)+3k; the target sums 1ᵀT, k (one addition per entry, as flops counts)
    forward_elementwise = units + hidden + 5 * k + (k - 1) + 3 * k + k
    delta_elementwise = units + 2 * hidden + 3 * k                   # δ ⊙ mask; (Y ⊙ ΣT − T)/B
    step = c.forward.per_sample.total + c.delta.per_sample.total
    assert step - forward_elementwise - delta_elementwise == bench.step_flops(1)
    assert (c.forward + c.delta).at_batch(64) == 64 * step + 2
    assert c.forward.per_sample.total == 470_381 and c.delta.per_sample.total == 538_792


def test_naive_exceeds_delta_by_the_hand_derived_factor_on_three_layers():
    """layers:8-8-8-8: δ_A3 + δ_Z3 = 5·8, δ_A2 = δ_A1 = 2·64, δ_Z2 = δ_Z1 = 3·8, W grads 128,
    b grads 8.  Chains: W3 168, b3 48, W2 320, b2 200, W1 472, b1 352 (naive 1,560); δ: every
    δ once (344) and six gradients (408) = 752: naive/δ = 1560/752 = 195/94."""
    c = compare_matrix(layers([8, 8, 8, 8], "sigmoid", "squared"))
    chains = {name: f.per_sample.total for name, f in c.chains.items()}
    assert chains == {"W1": 472, "b1": 352, "W2": 320, "b2": 200, "W3": 168, "b3": 48}
    assert c.naive.per_sample.total == 1560 and c.delta.per_sample.total == 752
    assert sp.Rational(c.naive.per_sample.total, c.delta.per_sample.total) == sp.Rational(195, 94)
    assert c.naive.per_call.total == 6        # 1/B once in each of the six chains


def test_naive_equals_delta_with_one_parameter():
    """Nothing to share: the one chain is the whole backward program."""
    x = sp.MatrixSymbol("X", 3, BATCH)
    w = sp.MatrixSymbol("W", 2, 3)
    z = sp.MatrixSymbol("Z", 2, BATCH)
    from symbolic.matrix import MatrixNetwork, apply, sum_rows
    net = MatrixNetwork("one", [x], [], [w], [(z, w * x)], sum_rows(apply("softplus", z)))
    c = compare_matrix(net)
    assert c.naive == c.delta and c.ratios["naive_over_delta"] == 1.0


def test_tied_autoencoder_counts_both_uses_of_w():
    """examples/autoencoder.net by hand: forward Z 2·3·6 + 3, H 3·4, R 2·6·3 + 6, loss
    R − T 6, square 6, Σ 6, ½ 1, Σ over the batch 1 = 113; ∂L/∂W = H·δ_Rᵀ + δ_Z·Xᵀ is two
    products of 36 and one 3 × 6 sum per call."""
    net = parse_spec(AUTOENCODER.read_text())
    c = compare_matrix(net)
    derivation = derive(net)
    grad_w = expression_flops(dict(derivation.program)[derivation.gradient[net.params[0]]])
    assert (grad_w.per_sample.total, grad_w.per_call.total) == (72, 18)
    assert c.forward.per_sample.total == 113 and c.forward.per_call.total == 1
    # δ_R (R − T)/B 12, δ_H = W·δ_R 36, δ_Z 9; gradients W 72, b 3, c 6
    assert c.delta.per_sample.total == 12 + 36 + 9 + 72 + 3 + 6
    # naive: W's two paths each pull 1 back on their own (δ_R twice), b and c have one path
    assert {n: f.per_sample.total for n, f in c.chains.items()} == {
        "W": (12 + 36 + 9 + 36) + (12 + 36), "b": 12 + 36 + 9 + 3, "c": 12 + 6}
    assert [(s.delta.name, [p.name for p in s.params]) for s in c.sharing] == [
        ("delta_R", ["W", "b", "c"]), ("delta_H", ["W", "b"]), ("delta_Z", ["W", "b"])]


TWO_INPUTS = """\
input X[4] C[2]
target T[3]
param W[3,4] V[3,2] b[3]
Z = W @ X + V @ C + b
H = tanh(Z)
loss = sum((H - T)^2)/2 + 0.01*sum(W^2)
"""


def test_two_inputs_and_weight_decay_per_call():
    """Weight decay works on W alone: W∘² 12 muls, its sums 12 + 3 adds, ×0.01 (28 per call);
    its gradient 0.02·W adds 12 muls and 12 adds per call to grad_W."""
    c = compare_matrix(parse_spec(TWO_INPUTS))
    # Z: 2·3·4 + 2·3·2 + 2 adds × 3 = 42; tanh 3; loss H − T, square, Σ (3 each), ½, + decay, mean
    assert c.forward.per_sample.total == 42 + 3 + 9 + 3
    assert c.forward.per_call.total == 28 + 1
    # δ_H 6, δ_Z 9, grad_W 24, grad_V 12, grad_b 3; per call 1/B and 0.02·W + …
    assert c.delta.per_sample.total == 6 + 9 + 24 + 12 + 3
    assert c.delta.per_call.total == 1 + 24


def test_chains_are_multiplied_in_the_codes_order():
    """Wᵀ·W·X for a batch result runs as (X·Wᵀ)·W on B × 6 arrays: 2·6·3 + 2·3·6 per sample,
    nothing per call (left to right it would be a 6 × 6 product per call and 2·36 per sample)."""
    w, x = sp.MatrixSymbol("W", 3, 6), sp.MatrixSymbol("X", 6, BATCH)
    flops = expression_flops(sp.MatMul(w.T, w, x))
    assert (flops.per_sample.total, flops.per_call.total) == (72, 0)
    gram = expression_flops(sp.MatMul(w, x, x.T))        # not per sample: left to right
    assert (gram.per_sample.total, gram.per_call.total) == (2 * 3 * 6 + 2 * 3 * 6, 0)


Z, D = sp.MatrixSymbol("Z", 3, BATCH), sp.MatrixSymbol("D", 3, BATCH)
ROW = sp.MatrixSymbol("r", 1, BATCH)
ONES_3, ONES_B = sp.OneMatrix(3, 1), sp.OneMatrix(1, BATCH)


@pytest.mark.parametrize("expr, per_sample, per_call", [
    (sp.HadamardProduct(sp.MatMul(ONES_3, ROW), Z), 3, 0),     # 1·r broadcast: free; ⊙: 3
    (sp.MatAdd(sp.MatMul(-1, Z), sp.MatMul(-1, D)), 6, 0),     # −Z − D: negate, subtract
    (sp.MatAdd(Z, sp.MatMul(-1, D)), 3, 0),                    # Z − D: a subtraction
    (sp.MatMul(sp.Rational(1, 2), Z), 3, 0),                   # a number: one mul per entry
    (sp.MatMul(1 / BATCH, Z), 3, 1),                           # 1/B: once per call
    (sp.MatMul(1 / BATCH, sp.OneMatrix(3, BATCH)), 0, 1),      # c·1: a filled number
    (sp.MatMul(sp.OneMatrix(1, 3), Z), 3, 0),                  # 1ᵀZ: 3 adds per sample
    (Mean(Z), 3, 1),                                           # Σ all entries, /B
    (Softmax(Z), 15, 0),                                       # 5 per entry
    (LogSumExp(Z), 2, 0),                                      # k − 1 logaddexp
    (sp.HadamardPower(Z, 3), 6, 0), (sp.HadamardPower(Z, -1), 3, 0),
    (sp.HadamardPower(Z, sp.S.Half), 3, 0),
    (sp.HadamardProduct(D, Apply("step", Z)), 6, 0),           # mask and product
    (Apply("sigmoid", Z), 12, 0), (Apply("log", Z), 3, 0),
    (sp.MatAdd(Z, sp.MatMul(sp.MatrixSymbol("b", 3, 1), ONES_B)), 3, 0),   # bias: an add
    (sp.MatMul(Z, sp.OneMatrix(BATCH, 1)), 3, 0),              # Z·1: sum over the batch
    (sp.MatMul(Z, D.T), 18, 0),                                # (3×B)(B×3): 2·9 per sample
])
def test_elementary_rules(expr, per_sample, per_call):
    flops = expression_flops(expr)
    assert (flops.per_sample.total, flops.per_call.total) == (per_sample, per_call)


def test_batch_squared_intermediates_are_an_error():
    x = sp.MatrixSymbol("X", 6, BATCH)
    with pytest.raises(NetworkError, match="B × B"):
        program_flops([(None, x.T * x)])


def test_sigmoid_price_is_the_generated_codes():
    from codegen.pricing import PRICES
    from symbolic.functions import sigmoid

    assert ELEMENTWISE_PRICES["sigmoid"] == PRICES[sigmoid](1)


# -- command line ----------------------------------------------------------------------------
def test_cli_table_for_a_layers_network(capsys):
    code, out, _ = run_cli(capsys, "compare", "layers:4-3-2:sigmoid:squared", "--batch", "0")
    assert code == 0
    lines = out.splitlines()
    assert "FLOPs per sample" in lines[0]
    assert lines[2].split() == ["forward", "32", "30", "0", "5", "67"]
    assert lines[3].split() == ["naive", "backward", "57", "66", "0", "0", "123"]
    assert lines[4].split() == ["delta", "backward", "36", "36", "0", "0", "72"]
    assert "naive/delta 1.71x" in lines[5] and lines[6].endswith("forward 2, naive 4, delta 1")
    assert "timings: not measured (--batch 0)" in out
    assert "delta_Z2" in out and "[W1 b1 W2 b2]" in out


def test_cli_json_and_timings_for_the_autoencoder(tmp_path, capsys):
    out = tmp_path / "c.json"
    code, text, _ = run_cli(capsys, "compare", AUTOENCODER, "--batch", "16", "--repeats", "1",
                            "--json", out)
    assert code == 0
    data = json.loads(out.read_text())
    assert data["level"] == "matrix" and data["unit"] == "FLOPs per sample"
    assert [data[k]["total"] for k in ("forward", "naive", "delta")] == [113, 219, 138]
    assert data["per_call"]["delta"]["total"] == 19 and data["from_scratch"] is None
    assert data["ratios"]["naive_over_delta"] == round(219 / 138, 4)
    assert data["sharing"][0]["params"] == ["W", "b", "c"]
    assert data["sharing"][0]["naive_extra_per_sample"] == 2 * 12
    timings = data["timings"]
    assert timings["batch"] == 16 and timings["gradients"] > 0 and timings["gradients_naive"] > 0
    assert "gradients_naive" in text


PYTHON_AUTOENCODER = """\
import sympy as sp
from symbolic import Network
from symbolic.matrix import BATCH, MatrixNetwork, apply, hadamard, over_batch, sum_rows

X, T = sp.MatrixSymbol("X", 6, BATCH), sp.MatrixSymbol("T", 6, BATCH)
W, b, c = sp.MatrixSymbol("W", 3, 6), sp.MatrixSymbol("b", 3, 1), sp.MatrixSymbol("c", 6, 1)
Z, H, R = (sp.MatrixSymbol(n, k, BATCH) for n, k in (("Z", 3), ("H", 3), ("R", 6)))
network = CLASS(
    "autoencoder", inputs=[X], targets=[T], params=[W, b, c],
    equations=[(Z, W * X + over_batch(b)), (H, apply("sigmoid", Z)),
               (R, W.T * H + over_batch(c))],
    loss=sum_rows(hadamard(R - T, R - T)) / 2)
"""


@pytest.mark.parametrize("cls", ["Network", "MatrixNetwork"])
def test_cli_on_a_python_matrix_network(tmp_path, capsys, cls):
    """The README's Python autoencoder, declared through the ``Network`` contract or as a
    ``MatrixNetwork`` (its (R − T) ⊙ (R − T) is the spec's square: SymPy folds it), gives the
    spec's counts."""
    path = tmp_path / "net.py"
    path.write_text(PYTHON_AUTOENCODER.replace("CLASS", cls))
    out = tmp_path / "c.json"
    code, _, _ = run_cli(capsys, "compare", path, "--batch", "0", "--json", out)
    data = json.loads(out.read_text())
    assert code == 0 and data["network"] == "autoencoder"
    assert data["delta"]["total"] == 138 and data["naive"]["total"] == 219


def test_cli_plot_for_a_matrix_network(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "c.png"
    code, _, _ = run_cli(capsys, "compare", "layers:4-3-2:relu:squared", "--batch", "0",
                         "--plot", png)
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_bad_matrix_spec_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.net"
    bad.write_text(AUTOENCODER.read_text().replace("W.T @ H", "W @ H"))
    code, out, err = run_cli(capsys, "compare", bad)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("deltaprop: error: ") and "bad.net:7:5: W @ H: 3×6 times 3" in err


def test_build_prints_the_matrix_comparison(capsys):
    from deltaprop.commands.compare import build_step

    _, lines, ok = build_step(layers([4, 3, 2], "sigmoid", "squared"), None)
    assert ok and any("FLOPs per sample" in line for line in lines)
    assert any(line.split()[:3] == ["delta", "backward", "36"] for line in lines)


@fuzz(30)
@given(matrix_specs())
def test_every_drawn_matrix_network_is_counted(drawn):
    """Hypothesis-drawn DAGs (fan-out, residuals, tied weights, two inputs, no target): each
    parameter's paths cost at least its own δ chain (the paths recompute what the chain
    shares); naive is the sum of the paths; every δ is needed by some gradient, so δ costs at
    most naive."""
    text, _ = drawn
    network = drawn_network(text)
    if network is None:
        return
    c = compare_matrix(network)
    derivation = derive(network)
    for part in ("per_sample", "per_call"):
        chains = {n: getattr(f, part).total for n, f in c.chains.items()}
        delta, naive = getattr(c.delta, part).total, getattr(c.naive, part).total
        assert delta <= naive == sum(chains.values()), text
        for p in network.params:
            own = sum(getattr(expression_flops(a.rhs), part).total for a in derivation.closure(p))
            assert own <= chains[p.name], text
    assert c.forward.per_sample.total > 0 and c.delta.per_sample.total > 0, text
    assert all(s.params for s in c.sharing), text


def test_a_node_with_no_parameter_behind_it_costs_no_delta():
    """H = σ(X) has no parameter behind it: no δ_H (the sweep skips it), so the one chain is
    the whole backward program."""
    spec = "input X[3]\nparam W[2,3]\nH = sigmoid(X)\nZ = W @ H\nloss = sum(Z^2)/2 + sum(H)\n"
    c = compare_matrix(parse_spec(spec))
    assert [s.delta.name for s in c.sharing] == ["delta_Z"]
    assert c.delta == c.naive and c.delta.per_sample.total == 14   # δ_Z = Z/B: 2; δ_Z·Hᵀ: 2·2·3
