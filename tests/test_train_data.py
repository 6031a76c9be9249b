"""deltaprop train on the user's own data: .npz and CSV files, validation split, accuracy.

Everything runs through the command line in-process (``run`` from test_cli_output); expected
numbers are computed here independently (NumPy on the formulas written out, or by hand).
"""
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from codegen import generate_module, load_module
from deltaprop.loading import load_network
from deltaprop.training.data import split
from test_cli_output import files_under, one_line_error, run

LOGISTIC_NET = """\
input x1 x2
target t
param w1 w2 b
z = w1*x1 + w2*x2 + b
y = sigmoid(z)
loss = (y - t)^2/2
"""


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def write_csv(path, columns: dict):
    names = list(columns)
    rows = zip(*(np.asarray(columns[n]).tolist() for n in names))
    path.write_text(",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n"
                                                     for r in rows))
    return path


def logistic_data(n=200, seed=1):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n))
    return {"x1": x1, "x2": x2, "t": (x1 + 0.5 * x2 > 0).astype(float)}


def losses(out: str) -> dict:
    """{'training': (before, after), 'validation': ...} from the printed report."""
    found = re.findall(r"loss on the (\w+) set \(([\d,]+) samples?\): (\S+) -> (\S+)", out)
    return {part: (float(a), float(b), int(n.replace(",", ""))) for part, n, a, b in found}


def accuracies(out: str) -> dict:
    found = re.findall(r"accuracy on the (\w+) set \([\d,]+ samples?\): ([\d.]+)%", out)
    return {part: float(value) for part, value in found}


@pytest.fixture
def logistic(tmp_path):
    net = write(tmp_path / "logistic.net", LOGISTIC_NET)
    data = logistic_data()
    np.savez(tmp_path / "d.npz", **data)
    write_csv(tmp_path / "d.csv", data)
    return net, data


# -- training a user's spec network on a user's file --------------------------------------
def test_spec_network_on_npz_lowers_the_loss_from_the_independently_computed_start(
        tmp_path, capsys, logistic):
    net, data = logistic
    code, out, err = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--epochs", "200",
                         "--lr", "5", "--seed", "4")
    assert code == 0, err
    before, after, n = losses(out)["training"]
    module = load_module(generate_module(load_network(str(net))))
    p = module.init_params(4)
    y = 1 / (1 + np.exp(-(p["w1"] * data["x1"] + p["w2"] * data["x2"] + p["b"])))
    assert n == 200
    assert before == pytest.approx(np.mean((y - data["t"]) ** 2 / 2), rel=1e-8)
    assert after < 0.4 * before
    assert accuracies(out)["training"] > 90


def test_csv_and_npz_give_the_same_result_with_the_same_seed(tmp_path, capsys, logistic):
    net, _ = logistic
    options = ["--validation", "0.25", "--batch-size", "16", "--epochs", "20", "--seed", "7"]
    code_npz, out_npz, _ = run(capsys, "train", net, "--data", tmp_path / "d.npz", *options)
    code_csv, out_csv, _ = run(capsys, "train", net, "--data", tmp_path / "d.csv", *options)
    assert code_npz == code_csv == 0
    assert out_npz.replace("d.npz", "d.csv") == out_csv
    assert losses(out_npz)["validation"][2] == 50


def test_matrix_network_reads_X_and_T_from_npz_and_X_i_T_j_columns_from_csv(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 3))
    T = np.eye(2)[(X[:, 0] > X[:, 1]).astype(int)]
    np.savez(tmp_path / "m.npz", X=X, T=T, notes=np.arange(3))   # other arrays are ignored
    write_csv(tmp_path / "m.csv", {"T_2": T[:, 1], "X_3": X[:, 2], "X_1": X[:, 0],
                                   "X_2": X[:, 1], "id": np.arange(120), "T_1": T[:, 0]})
    options = ["--validation", "0.2", "--epochs", "40", "--batch-size", "16", "--seed", "3"]
    outs = []
    for name in ("m.npz", "m.csv"):
        code, out, err = run(capsys, "train", "layers:3-4-2:tanh:softmax-ce", "--data",
                             tmp_path / name, *options)
        assert code == 0, err
        outs.append(out.replace(name, "FILE"))
    assert outs[0] == outs[1]
    result = losses(outs[0])
    assert result["training"][2] == 96 and result["validation"][2] == 24
    assert result["training"][1] < 0.2 * result["training"][0]
    assert accuracies(outs[0])["validation"] > 90


@pytest.mark.parametrize("network", ["seed-121", "mlp:1-2-1:sigmoid:squared", "python"])
def test_built_in_builder_and_python_networks_train_on_a_file(tmp_path, capsys, network):
    x = np.linspace(-2, 2, 40)
    inputs = "x1" if network.startswith("mlp") else "x"
    np.savez(tmp_path / "d.npz", **{inputs: x, ("t1" if inputs == "x1" else "t"):
                                    1 / (1 + np.exp(-2 * x))})
    if network == "python":
        network = write(tmp_path / "net.py", """\
            import sympy as sp
            from symbolic import Network, sigmoid
            x, t, w, b, y = sp.symbols("x t w b y")
            network = Network("mine", inputs=[x], targets=[t], params=[w, b],
                              equations=[(y, sigmoid(w*x + b))], loss=(y - t)**2/2)
            """)
    code, out, err = run(capsys, "train", network, "--data", tmp_path / "d.npz", "--lr", "2",
                         "--epochs", "200")
    assert code == 0, err
    before, after, _ = losses(out)["training"]
    assert after < 0.5 * before
    assert "accuracy" not in out          # the targets are not classes


def test_data_point_and_digits_keep_working(capsys):
    code, out, _ = run(capsys, "train", "seed-222", "--epochs", "1")
    assert code == 0 and "loss on the training set (1 sample): 0.298371109 ->" in out
    assert "w5 = 0.35891648" in out       # the tutorial's first update


def test_the_seed_fixes_start_split_and_shuffle(tmp_path, capsys, logistic):
    net, _ = logistic
    np.savez(tmp_path / "init.npz", w1=np.float64(0.1), w2=np.float64(-0.2), b=np.float64(0.0))
    common = ["train", net, "--data", tmp_path / "d.npz", "--epochs", "3", "--batch-size", "8"]
    first = run(capsys, *common, "--seed", "1")[1]
    assert run(capsys, *common, "--seed", "1")[1] == first
    assert losses(run(capsys, *common, "--seed", "2")[1])["training"][0] != losses(first)["training"][0]
    fixed = [*common, "--init", tmp_path / "init.npz"]            # same start: only the shuffle
    a, b = (losses(run(capsys, *fixed, "--seed", s)[1])["training"] for s in ("1", "2"))
    assert a[0] == b[0] and a[1] != b[1]
    full = [*fixed[:-4], "--init", tmp_path / "init.npz"]          # full batch: no shuffle at all
    assert run(capsys, *full, "--seed", "1")[1] == run(capsys, *full, "--seed", "2")[1]


# -- the validation split -----------------------------------------------------------------
@pytest.mark.parametrize("fraction, held", [("0.25", 3), ("0.1", 1), ("0.5", 5), ("0.85", 9)])
def test_validation_split_sizes_round_half_up(tmp_path, capsys, fraction, held):
    net = write(tmp_path / "lin.net", "input x\ntarget t\nparam w\nloss = (w*x - t)^2\n")
    np.savez(tmp_path / "d.npz", x=np.arange(10.0), t=np.arange(10.0))
    code, out, _ = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--validation",
                       fraction, "--epochs", "1", "--lr", "0.001")
    assert code == 0
    result = losses(out)
    assert (result["training"][2], result["validation"][2]) == (10 - held, held)
    trained = f"{10 - held} sample" + "s" * (held != 9)
    assert f"{trained} (+ {held} for validation)" in out


def test_split_is_a_seeded_partition():
    data = {"x": np.arange(20.0), "t": -np.arange(20.0)}
    train, held = split(data, 0.3, seed=5)
    assert len(held["x"]) == 6 and len(train["x"]) == 14
    assert sorted(np.concatenate([train["x"], held["x"]]).tolist()) == list(range(20))
    np.testing.assert_array_equal(train["t"], -train["x"])          # rows stay together
    again, _ = split(data, 0.3, seed=5)
    other, _ = split(data, 0.3, seed=6)
    np.testing.assert_array_equal(again["x"], train["x"])
    assert not np.array_equal(other["x"], train["x"])
    assert split(data, 0, seed=5) == (data, {})


# -- accuracy ------------------------------------------------------------------------------
def test_accuracy_of_a_single_0_1_target_is_output_above_one_half(tmp_path, capsys):
    net = write(tmp_path / "line.net", "input x\ntarget t\nparam w b\ny = w*x + b\n"
                                       "loss = (y - t)^2/2\n")
    np.savez(tmp_path / "init.npz", w=np.float64(1.0), b=np.float64(0.0))
    np.savez(tmp_path / "d.npz", x=[0.9, 0.2, 0.7, 0.4], t=[1.0, 0.0, 0.0, 0.0])
    # y = x: predicted 1, 0, 1, 0 against 1, 0, 0, 0: three of four right
    code, out, _ = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--init",
                       tmp_path / "init.npz", "--epochs", "0")
    assert code == 0
    assert "accuracy on the training set (4 samples): 75.00%" in out
    assert losses(out)["training"][:2] == pytest.approx((0.0875, 0.0875))  # (.01+.04+.49+.16)/8


def test_accuracy_of_one_hot_targets_picks_the_smallest_loss_class(tmp_path, capsys):
    net = write(tmp_path / "three.net", """\
        input x
        target t1 t2 t3
        param a1 a2 a3
        z1 = a1*x
        z2 = a2*x
        z3 = a3*x
        loss = logsumexp(z1, z2, z3) - (t1*z1 + t2*z2 + t3*z3)
        """)
    np.savez(tmp_path / "init.npz", a1=np.float64(1), a2=np.float64(2), a3=np.float64(3))
    # logits (x, 2x, 3x): class 3 for x > 0, class 1 for x < 0
    x = [1.0, -1.0, 2.0, -2.0, 0.5]
    classes = [3, 1, 1, 1, 2]                          # right: yes, yes, no, yes, no
    t = np.eye(3)[np.array(classes) - 1]
    write_csv(tmp_path / "d.csv", {"x": x, "t1": t[:, 0], "t2": t[:, 1], "t3": t[:, 2]})
    code, out, _ = run(capsys, "train", net, "--data", tmp_path / "d.csv", "--init",
                       tmp_path / "init.npz", "--epochs", "0")
    assert code == 0
    assert "accuracy on the training set (5 samples): 60.00%" in out


def test_accuracy_of_a_matrix_network_is_the_largest_output(tmp_path, capsys):
    np.savez(tmp_path / "init.npz", W1=np.eye(2), b1=np.zeros(2))
    X = np.array([[1.0, 0.0], [0.2, 0.9], [0.6, 0.4], [0.3, 0.1]])
    T = np.eye(2)[[0, 1, 1, 1]]                         # argmax X: 0, 1, 0, 0 -> 2 of 4
    np.savez(tmp_path / "d.npz", X=X, T=T)
    code, out, _ = run(capsys, "train", "layers:2-2:identity:softmax-ce", "--data",
                       tmp_path / "d.npz", "--init", tmp_path / "init.npz", "--epochs", "0")
    assert code == 0
    assert "accuracy on the training set (4 samples): 50.00%" in out
    expected = np.mean(np.log(np.exp(X).sum(axis=1)) - (T * X).sum(axis=1))
    assert losses(out)["training"][0] == pytest.approx(expected, rel=1e-6)


def test_accuracy_on_the_validation_set_too(tmp_path, capsys, logistic):
    net, _ = logistic
    code, out, _ = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--validation", "0.2",
                       "--epochs", "30", "--lr", "2")
    assert code == 0
    assert set(accuracies(out)) == {"training", "validation"}
    assert "accuracy on the validation set (40 samples):" in out


# -- bad data: one line, exit 2, nothing written ------------------------------------------
def bad_npz(tmp_path, **arrays):
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


def bad_csv(tmp_path, text: str):
    (tmp_path / "bad.csv").write_bytes(text.encode() if isinstance(text, str) else text)
    return tmp_path / "bad.csv"


GOOD = logistic_data(5)
NAN = dict(GOOD, x2=np.array([0.1, np.nan, 0.3, 0.4, 0.5]))


@pytest.mark.parametrize("make, words", [
    (lambda p: bad_npz(p, x1=GOOD["x1"], t=GOOD["t"]),
     ["bad.npz", "no array 'x2'", "the file has: x1, t", "x1 (N,), x2 (N,), t (N,)"]),
    (lambda p: bad_npz(p, x1=GOOD["x1"].reshape(5, 1), x2=GOOD["x2"], t=GOOD["t"]),
     ["bad.npz", "'x1' has shape (5, 1); expected (5,)"]),
    (lambda p: bad_npz(p, x1=GOOD["x1"], x2=GOOD["x2"][:4], t=GOOD["t"]),
     ["bad.npz", "'x2' has shape (4,); expected (5,)"]),
    (lambda p: bad_npz(p, x1=np.array(3.0), x2=GOOD["x2"], t=GOOD["t"]),
     ["bad.npz", "'x1' has shape (); expected (N,)"]),
    (lambda p: bad_npz(p, x1=[], x2=[], t=[]), ["bad.npz", "no samples"]),
    (lambda p: bad_npz(p, **NAN), ["bad.npz", "'x2' at sample 1", "nan", "not a finite"]),
    (lambda p: bad_npz(p, **dict(GOOD, t=np.array([0, 1, np.inf, 0, 1]))),
     ["bad.npz", "'t' at sample 2", "inf"]),
    (lambda p: bad_npz(p, **dict(GOOD, x1=np.array(list("abcde")))),
     ["bad.npz", "'x1' holds <U1 values, not real numbers"]),
    (lambda p: bad_npz(p, **dict(GOOD, x1=GOOD["x1"] + 1j)), ["'x1' holds complex128"]),
    (lambda p: bad_npz(p, **dict(GOOD, x1=np.array([1, "a", None, 2, 3], dtype=object))),
     ["bad.npz", "'x1' cannot be read", "pickle"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,1\n1,oops,0\n"),
     ["bad.csv:3: column 'x2': 'oops' is not a number"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,1\n\n1,,0\n"), ["bad.csv:4: column 'x2': '' is not"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,1\n1,nan,0\n"),
     ["bad.csv:3: column 'x2': 'nan' is not a finite number"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,1\n1,2\n"), ["bad.csv:3: 2 cells; the header has 3"]),
    (lambda p: bad_csv(p, "x1,x2\n1,2\n"),
     ["bad.csv:1: no column 't' (the header has: x1, x2; the network reads x1, x2, t)"]),
    (lambda p: bad_csv(p, "x1,x2,t,x1\n1,2,1,3\n"), ["bad.csv:1: column 'x1' appears twice"]),
    (lambda p: bad_csv(p, ""), ["bad.csv: empty file; expected a header row"]),
    (lambda p: bad_csv(p, "x1,x2,t\n\n"), ["bad.csv: no samples after the header row"]),
    (lambda p: bad_csv(p, b"x1,x2,t\n1,2,\xff\n"), ["bad.csv:2: not UTF-8 text"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,\x000\n"), ["bad.csv:2: column 't'", "is not a number"]),
    (lambda p: p / "missing.npz", ["missing.npz: cannot read: No such file or directory"]),
    (lambda p: (p / "folder.csv").mkdir() or p / "folder.csv", ["folder.csv: cannot read"]),
    (lambda p: bad_csv(p, "x1,x2,t\n1,2,1\n").rename(p / "garbage.npz"),
     ["garbage.npz: not a readable .npz archive"]),
    (lambda p: np.save(p / "one.npy", GOOD["x1"]) or (p / "one.npy").rename(p / "one.npz"),
     ["one.npz: holds one unnamed array", "numpy.savez(path, x1=..., x2=..., t=...)"]),
    (lambda p: bad_csv(p, "x1,x2,t\n").rename(p / "data.txt"),
     ["--data", "data.txt: expected a .npz or .csv file"]),
])
def test_bad_data_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, make, words):
    net = write(tmp_path / "logistic.net", LOGISTIC_NET)
    data = make(tmp_path)
    before = files_under(tmp_path)
    code, out, err = run(capsys, "train", net, "--data", data, "--save", tmp_path / "p.npz",
                         "--curve", tmp_path / "curve")
    one_line_error(code, err, *words)
    assert out == "" and files_under(tmp_path) == before


@pytest.mark.parametrize("argv, words", [
    (["--validation", "1"], ["--validation", "[0, 1)", "got 1"]),
    (["--validation", "-0.1"], ["--validation", "got -0.1"]),
    (["--validation", "nan"], ["--validation", "finite"]),
    (["--validation", "0.01"], ["--validation 0.01 of 10 samples holds out no sample"]),
    (["--validation", "0.99"], ["holds out every sample, leaving none to train on"]),
])
def test_validation_out_of_range_is_one_line(tmp_path, capsys, argv, words):
    net = write(tmp_path / "lin.net", "input x\ntarget t\nparam w\nloss = (w*x - t)^2\n")
    np.savez(tmp_path / "d.npz", x=np.arange(10.0), t=np.arange(10.0))
    code, _, err = run(capsys, "train", net, "--data", tmp_path / "d.npz", *argv)
    one_line_error(code, err, *words)


def test_matrix_data_of_the_wrong_width_or_overflowing_float32(tmp_path, capsys):
    np.savez(tmp_path / "w.npz", X=np.zeros((6, 4)), T=np.eye(2)[[0, 1, 0, 1, 0, 1]])
    code, _, err = run(capsys, "train", "layers:3-4-2:tanh:softmax-ce", "--data", tmp_path / "w.npz")
    one_line_error(code, err, "w.npz", "'X' has shape (6, 4); expected (6, 3)")
    write_csv(tmp_path / "w.csv", {"X_1": [1, 2], "X_2": [1, 2], "T_1": [1, 0], "T_2": [0, 1]})
    code, _, err = run(capsys, "train", "layers:3-4-2:tanh:softmax-ce", "--data", tmp_path / "w.csv")
    one_line_error(code, err, "w.csv:1: no column 'X_3'", "X_1, X_2, X_3, T_1, T_2")
    np.savez(tmp_path / "o.npz", X=np.full((2, 3), 1e39), T=np.eye(2))
    code, _, err = run(capsys, "train", "layers:3-4-2:tanh:softmax-ce", "--data", tmp_path / "o.npz")
    one_line_error(code, err, "'X' at sample 0, column 1", "1e+39", "not a finite float32")


def test_a_network_without_inputs_reads_no_file(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", x=[1.0])
    code, _, err = run(capsys, "train", "seed-product", "--data", tmp_path / "d.npz")
    one_line_error(code, err, "seed-product has no inputs or targets")


# -- the README's example ------------------------------------------------------------------
def test_the_readme_training_example_gives_the_printed_output(tmp_path, capsys, monkeypatch):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("<!-- train-example -->", 1)[1].split("```\n", 2)[1]
    name = re.match(r"\$ cat (\S+)\n", block).group(1)
    spec, python, command = re.match(r"\$ cat \S+\n(.*?)\$ python -c (.*?)\n\$ (deltaprop .*?)\n",
                                     block, re.S).groups()
    expected = block.split(command + "\n", 1)[1].rstrip("\n").split("\n")
    (tmp_path / name).write_text(spec)
    subprocess.run([sys.executable, "-c", shlex.split(python)[0]], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *shlex.split(command)[1:])
    assert code == 0
    assert out.rstrip("\n").split("\n") == expected
    assert (tmp_path / "trained.npz").exists()
