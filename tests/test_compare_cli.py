"""``deltaprop compare``: JSON schema, sweep, plot, errors, timings plumbing, build step."""
from __future__ import annotations

import json
import sys
import types

import pytest

from deltaprop.cli import COMMANDS, main
from deltaprop.commands import build
from deltaprop.commands.compare import build_step, parse_depths
from deltaprop.timing import time_gradients
from symbolic import builtin
from symbolic.errors import DeltapropError

COUNT_KEYS = ["adds", "muls", "divs", "funcs", "total"]


def _counts_ok(obj) -> bool:
    return (list(obj) == COUNT_KEYS and all(type(obj[k]) is int for k in COUNT_KEYS)
            and obj["total"] == obj["adds"] + obj["muls"] + obj["divs"] + obj["funcs"])


def _check_schema(data: dict) -> None:
    for key in ["forward", "naive", "delta"]:
        assert _counts_ok(data[key]), key
    assert data["from_scratch"] is None or _counts_ok(data["from_scratch"])
    assert {"batch", "gradients", "gradients_naive", "note"} <= set(data["timings"])


def test_compare_json_schema_for_seed_121(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["compare", "seed-121", "--batch", "0", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    _check_schema(data)
    assert [data[k]["total"] for k in ["forward", "naive", "delta"]] == [11, 28, 16]
    assert data["from_scratch"] is not None and data["from_scratch_info"]["attempted"]
    assert data["timings"]["gradients"] is None and "--batch 0" in data["timings"]["note"]
    assert data["sharing"][1] == {"node": "z3", "delta": "delta_z3", "n_weights": 4,
                                  "naive_products": 4, "weights": ["w1", "w2", "w3", "w4"]}
    text = capsys.readouterr().out
    assert "naive/delta 1.75x" in text and "delta_z3" in text


def test_from_scratch_is_null_when_not_attempted(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["compare", "mlp:3-3-3-1:sigmoid:squared", "--batch", "0", "--scratch-cap",
                 "50", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    _check_schema(data)
    assert data["from_scratch"] is None
    assert data["from_scratch_info"]["estimated_inlined_ops"] > 50
    assert not data["from_scratch_info"]["attempted"] and not data["from_scratch_info"]["finished"]
    assert "not attempted" in capsys.readouterr().out


def test_sweep_json_and_table(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["compare", "--sweep", "mlp", "--depth", "1..3", "--width", "2,3",
                 "--scratch-cap", "0", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [(n["width"], n["depth"]) for n in data["networks"]] == [
        (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3)]
    for n in data["networks"]:
        _check_schema(n)
    assert data["networks"][2]["sizes"] == [2, 2, 2, 1]
    assert len(capsys.readouterr().out.splitlines()) == 1 + 1 + 6 + 1


@pytest.mark.parametrize("argv, message", [
    (["compare"], "needs a NETWORK"),
    (["compare", "seed-121", "--sweep", "mlp"], "not both"),
    (["compare", "seed-121", "--depth", "1..3"], "only apply with --sweep"),
    (["compare", "seed-121", "--loss", "bce"], "only apply with --sweep"),
    (["compare", "--sweep", "mlp", "--activation", "cosh", "--depth", "2", "--width", "2"],
     "unknown activation"),
    (["compare", "--sweep", "mlp", "--depth", "3..1"], "--depth 3..1"),
    (["compare", "--sweep", "mlp", "--width", "2,x"], "--width 2,x"),
    (["compare", "seed-121", "--plot", "out.svg"], "must end in .png"),
    (["compare", "no-such-net"], "unknown network"),
])
def test_bad_arguments_give_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_parse_depths():
    assert parse_depths("1..6") == [1, 2, 3, 4, 5, 6]
    assert parse_depths("5,2") == [2, 5]
    with pytest.raises(DeltapropError):
        parse_depths("0..2")


def test_plot_without_matplotlib_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib -> ImportError
    out, png = tmp_path / "c.json", tmp_path / "c.png"
    assert main(["compare", "seed-121", "--batch", "0", "--json", str(out),
                 "--plot", str(png)]) == 2
    assert 'pip install "deltaprop[plot]"' in capsys.readouterr().err
    assert not out.exists() and not png.exists()


def test_plots_are_png_files(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    one, many = tmp_path / "one.png", tmp_path / "sweep.png"
    assert main(["compare", "seed-222", "--batch", "0", "--plot", str(one)]) == 0
    assert main(["compare", "--sweep", "mlp", "--depth", "1..2", "--width", "2",
                 "--scratch-cap", "0", "--plot", str(many)]) == 0
    for f in (one, many):
        assert f.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and f.stat().st_size > 10_000


# -- timings plumbing, with a stand-in for the generated module ----------------------------------
def _fake_codegen(monkeypatch, naive_offset=0.0, refuse_naive=False):
    def gradients(params, data):
        return 1.0, {name: 2.0 for name in params}

    def gradients_naive(params, data):
        if refuse_naive:
            raise NotImplementedError("too many paths")
        return 1.0, {name: 2.0 + naive_offset for name in params}

    module = types.SimpleNamespace(gradients=gradients, gradients_naive=gradients_naive)
    fake = types.ModuleType("codegen")
    fake.load_module = lambda network: module
    monkeypatch.setitem(sys.modules, "codegen", fake)


def test_timings_measure_both_functions(monkeypatch):
    _fake_codegen(monkeypatch)
    t = time_gradients(builtin("seed-121"), batch=10, repeats=3)
    assert t["gradients"] > 0 and t["gradients_naive"] > 0
    assert t["naive_over_delta"] == pytest.approx(t["gradients_naive"] / t["gradients"])


def test_timings_refuse_functions_that_disagree(monkeypatch):
    _fake_codegen(monkeypatch, naive_offset=1e-3)
    t = time_gradients(builtin("seed-121"), batch=10, repeats=3)
    assert t["gradients"] is None and "disagree" in t["note"]


def test_timings_without_naive_code(monkeypatch):
    _fake_codegen(monkeypatch, refuse_naive=True)
    t = time_gradients(builtin("seed-121"), batch=10, repeats=3)
    assert t["gradients"] > 0 and t["gradients_naive"] is None and "too many paths" in t["note"]


def test_build_prints_the_comparison_table():
    assert "compare" in COMMANDS
    assert build_step in build.STEPS
    files, lines, ok = build_step(builtin("seed-121"), None)
    assert ok and files == {}
    assert any(line.startswith("naive") and line.split()[-1] == "28" for line in lines)


def test_timings_of_the_real_generated_module():
    t = time_gradients(builtin("seed-121"), batch=50, repeats=1)
    assert t["gradients"] is not None and t["gradients_naive"] is not None, t["note"]
    assert t["gradients"] > 0 and t["gradients_naive"] > 0


def test_build_step_counts_matrix_networks_in_flops():
    from symbolic import matrix

    files, lines, ok = build_step(matrix.parse_layers("layers:4-3-2:sigmoid:squared"), None)
    assert ok and files == {} and "FLOPs per sample" in lines[1]
