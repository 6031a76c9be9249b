"""The array-api module on Dask arrays, computed on an in-process distributed cluster (issue 15):
lazy results, the NumPy module's numbers, and ``deltaprop train --scheduler``."""
from __future__ import annotations

import numpy as np
import pytest

import codegen
from codegen.check import random_point
from codegen.check import random_matrix_point
from deltaprop.cli import main
from symbolic import builtin
from symbolic.matrix import parse_layers

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytest.importorskip("array_api_compat")


@pytest.fixture(scope="module")
def cluster():
    """Two single-thread workers in this process, loopback only, no dashboard."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local, client


def _on_cluster(client, network, point, rows):
    """(NumPy module, array-api module, params, data, lazy data, lazy result, computed result)
    of ``gradients`` on Dask chunks of ``rows`` samples."""
    reference, module = codegen.load_module(network), codegen.load_module(network, "array-api")
    params, data = point(reference)
    lazy = {k: da.from_array(v, chunks=(rows,) + v.shape[1:]) for k, v in data.items()}
    result = module.gradients(params, lazy)
    return reference, module, params, data, lazy, result, client.compute(result, sync=True)


@pytest.mark.parametrize("spec", ["seed-softmax", "mlp:3-4-2:relu:bce"])
def test_scalar_gradients_on_the_cluster_equal_numpy(spec, cluster):
    _, client = cluster
    reference, module, params, data, lazy, (lazy_loss, lazy_grads), (loss, grads) = _on_cluster(
        client, builtin(spec), lambda m: random_point(m, 10_001, seed=4), 3_000)  # last chunk short
    assert isinstance(lazy_loss, da.Array) and all(isinstance(g, da.Array) for g in lazy_grads.values())
    expected_loss, expected = reference.gradients(params, data)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-12)
    for p in reference.PARAMS:
        assert float(grads[p]) == pytest.approx(expected[p], rel=1e-10, abs=1e-14)
    nodes = client.compute(module.forward(params, lazy), sync=True)
    for name, values in reference.forward(params, data).items():
        assert np.allclose(nodes[name], values, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("spec", ["layers:4-8-3:relu:softmax-ce", "layers:3-5-2:sigmoid:squared"])
def test_matrix_gradients_on_the_cluster_equal_numpy(spec, cluster):
    _, client = cluster
    reference, _, params, data, _, lazy_result, (loss, grads) = _on_cluster(
        client, parse_layers(spec), lambda m: random_matrix_point(m, 5_000, seed=5), 1_300)
    assert isinstance(lazy_result[1]["W1"], da.Array)
    expected_loss, expected = reference.gradients(params, data)
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-12)
    for p in reference.PARAMS:
        assert np.allclose(grads[p], expected[p], rtol=1e-10, atol=1e-14), p


def test_train_with_a_scheduler_gives_the_worked_numbers(cluster, capsys):
    """seed-222, one step at η = 0.5 on the cluster: the tutorial's w5 = 0.35891648, w1 = 0.149780716."""
    local, _ = cluster
    assert main(["train", "seed-222", "--epochs", "1", "--lr", "0.5",
                 "--scheduler", local.scheduler_address]) == 0
    out = capsys.readouterr().out
    assert f"computed by the scheduler at {local.scheduler_address} (2 workers, 2 threads)" in out
    assert "w5 = 0.35891648," in out and "w1 = 0.149780716," in out


def test_train_digits_on_the_cluster_equals_training_in_process(cluster, capsys):
    """Mini-batches of 500 (3 steps: two shipped with their graphs, the short last one too)."""
    pytest.importorskip("sklearn")
    local, _ = cluster
    args = ["train", "layers:64-16-10:relu:softmax-ce", "--data", "digits", "--epochs", "1",
            "--lr", "0.5", "--dtype", "float64", "--batch-size", "500"]
    assert main(args) == 0
    alone = capsys.readouterr().out.splitlines()
    assert main(args + ["--scheduler", local.scheduler_address]) == 0
    on_cluster = capsys.readouterr().out.splitlines()
    assert [l for l in on_cluster if not l.startswith("gradients:")] == \
           [l for l in alone if not l.startswith("gradients:")]
    assert any(l.startswith("loss ") for l in alone)


def test_unreachable_scheduler_is_a_one_line_error(monkeypatch, capsys):
    from deltaprop.training import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", 0.5)
    assert main(["train", "seed-222", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: --scheduler tcp://127.0.0.1:9: cannot reach")
    assert err.strip().count("\n") == 0


def test_full_batches_reuse_the_training_set_kept_on_the_workers(cluster):
    from deltaprop.training.backends import OnCluster, fingerprint

    local, client = cluster
    network = builtin("seed-221")
    reference = codegen.load_module(network)
    module = OnCluster(codegen.load_module(network, "array-api"), reference, client, "test")
    params, data = random_point(reference, 600, seed=6)
    module.keep(data)
    shuffled = {k: v[::-1].copy() for k, v in data.items()}
    assert fingerprint(shuffled) == fingerprint(data)
    assert module._lazy(shuffled) is module.kept
    half = {k: v[:300] for k, v in data.items()}
    assert module._lazy(half) is not module.kept
    for part in (shuffled, half):
        loss, grads = module.gradients(params, part)
        expected_loss, expected = reference.gradients(params, part)
        assert float(loss) == pytest.approx(expected_loss, rel=1e-12)
        assert {k: float(v) for k, v in grads.items()} == pytest.approx(expected, rel=1e-10)


def test_train_a_csv_file_with_validation_on_the_cluster(cluster, tmp_path, capsys):
    """--data FILE.csv, --validation: full batches reuse the training set kept on the workers,
    the validation loss is computed there too; the printed results equal training in-process."""
    local, _ = cluster
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    path = tmp_path / "points.csv"
    path.write_text("x,t\n" + "".join(f"{float(a)!r},{float(np.tanh(a) + 1) / 2!r}\n" for a in x))
    args = ["train", "seed-121", "--data", str(path), "--validation", "0.25", "--epochs", "3",
            "--lr", "0.5"]
    assert main(args) == 0
    alone = capsys.readouterr().out.splitlines()
    assert main(args + ["--scheduler", local.scheduler_address]) == 0
    on_cluster = capsys.readouterr().out.splitlines()
    assert any("validation set (100 samples)" in line for line in alone)
    assert [l for l in on_cluster if not l.startswith("gradients:")] == \
           [l for l in alone if not l.startswith("gradients:")]
