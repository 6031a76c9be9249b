"""Identifiers, hostile names and determinism of generated modules."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import sympy as sp

import codegen
from codegen.check import check_gradients
from codegen.naming import Namer, identifier
from symbolic import Network, sigmoid

ROOT = Path(__file__).resolve().parent.parent


def test_identifier_rules():
    assert identifier("x.1") == "x_1"
    assert identifier("δ1") == "delta1"
    assert identifier("lambda") == "lambda_" and identifier("class") == "class_"
    assert identifier("1st") == "v1st" and identifier("_tmp") == "v_tmp"
    assert identifier("np") == "np_" and identifier("sum") == "sum_"
    for name in ["x.1", "δ1", "lambda", "a b", "∂", "", "__", "Δ", "é", "x-y", "None"]:
        ident = identifier(name)
        assert ident.isidentifier() and ident.isascii() and not ident.startswith("_"), name


def test_namer_keeps_colliding_names_distinct():
    namer = Namer()
    assert [namer("x.1"), namer("x_1"), namer("x-1"), namer("x.1")] == ["x_1", "x_1_2", "x_1_3", "x_1"]


def hostile_network() -> Network:
    x, data, t = sp.Symbol("x.1"), sp.Symbol("data"), sp.Symbol("t'")
    lam, cls, d1, x_1 = sp.Symbol("lambda"), sp.Symbol("class"), sp.Symbol("δ1"), sp.Symbol("x_1")
    np_, params, evil = sp.Symbol("np"), sp.Symbol("params"), sp.Symbol('a"""\nimport os #')
    delta_lam = sp.Symbol("delta_lambda")  # collides with the δ name derived for 'lambda'
    grad_np = sp.Symbol("grad_np")          # collides with the gradient name of 'np'
    return Network("hostile '\"\"\"\nname", inputs=[x, data], targets=[t], params=[np_, params, x_1],
                   equations=[(lam, np_ * x + params * data), (cls, sigmoid(lam)), (d1, x_1 * cls),
                              (delta_lam, d1 + lam), (grad_np, sp.Max(0, delta_lam)),
                              (evil, sigmoid(grad_np + delta_lam))],
                   loss=(evil - t) ** 2 / 2)


def test_hostile_names_give_a_valid_correct_module():
    network = hostile_network()
    source = codegen.generate_module(network)
    tree = ast.parse(source)
    imported = [a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
    assert imported == ["numpy"]
    module = codegen.load_module(source)
    assert module.PARAMS == ("np", "params", "x_1") and module.INPUTS == ("x.1", "data")
    assert list(module.forward({"np": 0.1, "params": 0.2, "x_1": 0.3},
                               {"x.1": 1.0, "data": 2.0, "t'": 0.5})) == \
        ["lambda", "class", "δ1", "delta_lambda", "grad_np", 'a"""\nimport os #', "L"]
    assert check_gradients(module, network).ok
    assert "import os" not in [line.strip() for line in source.splitlines()]


SCRIPT = "import sys, codegen; from symbolic import builtin; sys.stdout.write(codegen.generate_module(builtin(sys.argv[1])))"


def test_deterministic_across_hash_seeds():
    outputs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.append(subprocess.run([sys.executable, "-c", SCRIPT, "seed-softmax"], cwd=ROOT, env=env,
                                      capture_output=True, text=True, check=True).stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0] == codegen.generate_module(__import__("symbolic").builtin("seed-softmax"))


def test_load_module_accepts_network_or_source():
    from symbolic import builtin

    network = builtin("seed-product")
    a, b = codegen.load_module(network), codegen.load_module(codegen.generate_module(network))
    values = {"w": 3.0, "b": 4.0}
    assert a.gradients(values, {}) == b.gradients(values, {}) == (162.0, {"w": 18.0, "b": 63.0})
    assert np.array_equal(a.forward(values, {})["z"], [162.0])
