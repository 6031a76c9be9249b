"""Training: seed-222's first update (the classic worked numbers), optimizers, digits accuracy."""
import numpy as np
import pytest

from codegen import generate_module, load_module
from deltaprop.cli import main
from deltaprop.training.data import seed_point
from deltaprop.training.loop import batches, train
from deltaprop.training.optimizers import Adam, GradientDescent
from symbolic import POINTS, builtin
from symbolic.matrix import parse_layers


def test_one_step_on_seed_222_gives_the_worked_numbers():
    network = builtin("seed-222")
    module = load_module(generate_module(network))
    point = POINTS["seed-222"]
    params = {p: np.float64(point[p]) for p in module.PARAMS}
    data = seed_point(network, point).train
    assert module.loss(params, data) == pytest.approx(0.298371109, abs=1e-9)
    train(module, params, data, GradientDescent(0.5), epochs=1)
    expected = {"w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
                "w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229}
    for name, value in expected.items():
        assert float(params[name]) == pytest.approx(value, abs=1e-8)


def test_batches_cover_every_sample_once():
    rng = np.random.default_rng(0)
    parts = batches(10, 3, rng)
    assert [len(p) for p in parts] == [3, 3, 3, 1]
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    assert [len(p) for p in batches(10, 0, rng)] == [10]


@pytest.mark.parametrize("optimizer", [GradientDescent(0.5), GradientDescent(0.2, 0.9),
                                       Adam(0.05)])
def test_optimizers_reduce_the_loss_and_keep_float32(optimizer):
    module = load_module(generate_module(parse_layers("layers:3-4-2:tanh:softmax-ce")))
    rng = np.random.default_rng(0)
    params = {k: rng.normal(0, 0.5, s).astype(np.float32) for k, s in module.SHAPES.items()}
    x = rng.normal(size=(40, 3)).astype(np.float32)
    t = np.eye(2, dtype=np.float32)[(x[:, 0] + x[:, 1] > 0).astype(int)]
    data = {"X": x, "T": t}
    before = module.loss(params, data)
    history = train(module, params, data, optimizer, epochs=30, batch_size=8)
    assert module.loss(params, data) < 0.5 * before
    assert len(history.losses) == 30
    assert all(v.dtype == np.float32 for v in params.values())


def test_adam_first_step_moves_each_weight_by_lr():
    params, grads = {"w": np.array([1.0, -2.0])}, {"w": np.array([0.3, -7.0])}
    Adam(0.1).step(params, grads)
    np.testing.assert_allclose(params["w"], [0.9, -1.9], rtol=1e-6)


def test_momentum_accumulates_velocity():
    params, opt = {"w": np.array(0.0)}, GradientDescent(1.0, 0.5)
    opt.step(params, {"w": np.array(1.0)})
    opt.step(params, {"w": np.array(1.0)})
    assert float(params["w"]) == pytest.approx(-(1 + 1.5))


def test_train_digits_reaches_high_held_out_accuracy(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (the 'data' extra) is not installed")
    prefix = tmp_path / "curve"
    assert main(["train", "layers:64-32-10:relu:softmax-ce", "--data", "digits", "--epochs", "15",
                 "--batch-size", "32", "--lr", "0.1", "--optimizer", "momentum",
                 "--curve", str(prefix)]) == 0
    captured = capsys.readouterr()
    held_out = [l for l in captured.out.splitlines() if "accuracy on the validation" in l][0]
    assert float(held_out.rsplit(" ", 1)[1].rstrip("%")) > 93
    assert "loss" in captured.err and "[####" in captured.err
    lines = (tmp_path / "curve.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,validation_loss" and len(lines) == 16


def test_train_rejects_bad_options(capsys):
    assert main(["train", "seed-121", "--epochs", "-1"]) == 2
    assert main(["train", "layers:2-3-1:relu:squared"]) == 2
    assert main(["train", "seed-121", "--momentum", "0.5"]) == 2          # not the momentum optimizer
    assert main(["train", "seed-121", "--optimizer", "momentum", "--momentum", "1"]) == 2
    assert main(["train", "seed-121", "--lr", "inf"]) == 2
    assert main(["train", "seed-121", "--seed", "-1"]) == 2
    assert main(["train", "seed-121", "--curve", "runs/"]) == 2
    assert main(["train", "seed-product"]) == 2                            # no data to train on
    err = capsys.readouterr().err
    assert err.count("deltaprop: error:") == 8 and err.count("\n") == 8


def test_without_the_extras_the_commands_say_how_to_install(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["descend", "x^2", "--plot", str(tmp_path / "a.png")]) == 2
    assert 'pip install "deltaprop[plot]"' in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()
    assert main(["train", "layers:64-8-10:relu:softmax-ce", "--data", "digits"]) == 2
    assert "pip install 'deltaprop[data]'" in capsys.readouterr().err
    prefix = tmp_path / "c"
    assert main(["train", "seed-121", "--epochs", "3", "--curve", str(prefix)]) == 0
    assert 'pip install "deltaprop[plot]"' in capsys.readouterr().err
    assert (tmp_path / "c.csv").read_text().count("\n") == 4 and not (tmp_path / "c.png").exists()
