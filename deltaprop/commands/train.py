"""``deltaprop train NETWORK``: gradient descent on the generated module, on the user's data."""
from __future__ import annotations

import os
import sys

import numpy as np

from symbolic.errors import DeltapropError
from symbolic.examples import POINTS, builtin, example_point
from symbolic.matrix import MatrixNetwork

from ..arguments import integer, number, seed
from ..loading import load_network, network_argument
from ..output import check_targets, protect, write_all
from ..plotting import INSTALL_HINT
from ..training import backends, data as datasets
from ..training.files import SUFFIXES, network_columns, read_data
from ..training.loop import Diverged, ProgressBar, train
from ..training.metrics import accuracy, are_classes, target_table
from ..training.optimizers import OPTIMIZERS, make_optimizer
from ..training.params import params_npz, read_params

#: Momentum μ of --optimizer momentum unless --momentum is given.
DEFAULT_MOMENTUM = 0.9
#: Networks with at most this many scalar parameters print them after training.
SHOWN_PARAMS = 12

HELP = "train a network's generated module on your data (full-batch, mini-batch or SGD; momentum, Adam)"


def add_arguments(parser) -> None:
    network_argument(parser, "built-in seed example, layers:SIZES:ACT:LOSS, mlp:..., or a file")
    parser.add_argument("--data", default="point", metavar="FILE|point|digits",
                        help="FILE.npz (arrays named like the network's inputs and targets) or "
                             "FILE.csv (a header row naming them; X_1..X_n for a matrix input X); "
                             "'point' (a seed example's worked point, the default) or 'digits' "
                             "(scikit-learn's 8x8 digits; needs layers:64-...-10:ACT:softmax-ce)")
    parser.add_argument("--validation", type=number(0, 1, high_open=True), default=None,
                        metavar="FRACTION", help="hold out this part of the data, shuffled with "
                        f"--seed (default 0; {datasets.DIGITS_VALIDATION:g} for digits)")
    parser.add_argument("--init", metavar="FILE.npz",
                        help="starting parameters, one array per parameter name (default: the "
                             "module's init_params(--seed))")
    parser.add_argument("--save", metavar="FILE.npz", help="write the trained parameters, keyed by name")
    parser.add_argument("--epochs", type=integer(0, 1_000_000), default=100,
                        help="passes over the training data (default 100; 0 only evaluates)")
    parser.add_argument("--lr", type=number(0, low_open=True), default=0.5, help="learning rate (default 0.5)")
    parser.add_argument("--batch-size", type=integer(0, 10_000_000), default=0,
                        help="samples per update: 0 = full batch (default), 1 = SGD")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    parser.add_argument("--momentum", type=number(0, 1, high_open=True), default=None, help=f"μ in [0, 1) for --optimizer momentum (default {DEFAULT_MOMENTUM})")
    parser.add_argument("--seed", type=seed(), default=0,
                        help="initial parameters, validation split and shuffling (default 0)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="array dtype for matrix networks (default float32)")
    parser.add_argument("--curve", metavar="PREFIX",
                        help="write the loss curve to PREFIX.csv and PREFIX.png (plot extra)")
    parser.add_argument("--backend", choices=("auto", "numpy", "python"), default="auto",
                        help="generated module for the gradients: auto (default) = python for "
                             "--batch-size 1 on a scalar network, else numpy")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="compute each batch's gradients on the Dask cluster whose scheduler "
                             "is at ADDRESS (tcp://HOST:8786; array-api module, dask extra)")


def run(args) -> int:
    _check_options(args)
    _check_files(args)
    network = load_network(args.network)
    module = training_module(network, args)
    dataset = _dataset(network, module, args)
    backends.keep_training_set(module, dataset.train)
    params = _initial_params(network, module, args)
    start_validation = _loss(module, params, dataset.validation)
    _print_plan(network, dataset, args)
    backends.print_backend(module)
    history = _fit(module, params, dataset, args)
    if history is None:
        return 1
    _report(network, module, params, dataset, history, start_validation)
    _write_outputs(args, module, params, history, network.name)
    return 0


def _fit(module, params, dataset, args):
    """Train ``params`` in place; the History, or None after a divergence (reported)."""
    progress = ProgressBar()
    optimizer = make_optimizer(args.optimizer, args.lr, args.momentum)
    try:
        return train(module, params, dataset.train, optimizer, args.epochs, args.batch_size,
                     args.seed, progress, dataset.validation)
    except Diverged as err:
        progress.close()
        print(f"deltaprop: error: {err}; stopped, nothing written (try a --lr smaller than "
              f"{args.lr:g})", file=sys.stderr)
        return None


def training_module(network, args):
    """The module that is trained: NumPy, python for SGD on scalar networks, or on a cluster."""
    if args.backend == "python" and isinstance(network, MatrixNetwork):
        raise DeltapropError("--backend python is for scalar networks; matrix networks train "
                             "with numpy (or --scheduler)")
    return backends.training_module(network, args.batch_size, args.backend, args.scheduler)


def _check_options(args) -> None:
    """What argparse cannot check alone (ranges are checked by the option types)."""
    if args.momentum is not None and args.optimizer != "momentum":
        raise DeltapropError(f"--momentum applies to --optimizer momentum, not {args.optimizer}")
    if args.momentum is None:
        args.momentum = DEFAULT_MOMENTUM
    if args.curve is not None and (not os.path.basename(args.curve) or args.curve.endswith(os.sep)):
        raise DeltapropError(f"--curve {args.curve!r}: give a file prefix such as runs/loss "
                             "(PREFIX.csv and PREFIX.png are written)")
    if _data_file(args) is not None and not args.data.lower().endswith(SUFFIXES):
        raise DeltapropError(f"--data {args.data}: expected a .npz or .csv file, or 'point' or "
                             "'digits'")


def _check_files(args) -> None:
    """Inputs are protected from being overwritten; outputs are checked before any work."""
    for path in (args.network, args.init, _data_file(args)):
        if path is not None and os.path.isfile(path):
            protect(path)
    check_targets(args.save, *_curve_files(args))


def _data_file(args) -> str | None:
    return None if args.data in ("point", "digits") else args.data


def _curve_files(args) -> list[str]:
    return [] if args.curve is None else [f"{args.curve}.csv", f"{args.curve}.png"]


def _dtype(module, args):
    return np.dtype(args.dtype) if hasattr(module, "SHAPES") else np.dtype(np.float64)


# -- data and starting parameters ------------------------------------------------------------
def _dataset(network, module, args) -> datasets.Dataset:
    if args.data == "digits":
        return _digits(network, module, args)
    if args.data == "point":
        dataset = _point(network, module)
    else:
        dataset = _file(network, module, args)
    train, held_out = datasets.split(dataset.train, args.validation or 0, args.seed)
    return datasets.Dataset(dataset.name, train, held_out, dataset.classes)


def _file(network, module, args) -> datasets.Dataset:
    if not network.inputs and not network.targets:
        raise DeltapropError(f"{network.name} has no inputs or targets: there is nothing to read "
                             f"from {args.data}")
    data = read_data(args.data, network_columns(network, module), _dtype(module, args))
    classes = are_classes(target_table(data, module.TARGETS)) if module.TARGETS else False
    return datasets.Dataset(args.data, data, classes=classes)


def _digits(network, module, args) -> datasets.Dataset:
    if not hasattr(module, "SHAPES"):
        raise DeltapropError("--data digits needs a matrix network, e.g. "
                             "layers:64-32-10:relu:softmax-ce")
    fraction = datasets.DIGITS_VALIDATION if args.validation is None else args.validation
    dataset = datasets.digits(fraction, seed=args.seed, dtype=np.dtype(args.dtype))
    _check_sizes(network, dataset)
    return _declared_names(dataset, module)


def _declared_names(dataset, module) -> datasets.Dataset:
    """The digits keyed by the network's own input and target names (X, T, ...)."""
    keys = {"x": module.INPUTS[0], "t": module.TARGETS[0]}
    train, validation = ({keys[k]: v for k, v in part.items()}
                         for part in (dataset.train, dataset.validation))
    return datasets.Dataset(dataset.name, train, validation, dataset.classes)


def _point(network, module) -> datasets.Dataset:
    point = example_point(network)
    if point is None or not network.inputs or hasattr(module, "SHAPES"):
        trainable = [name for name in POINTS if builtin(name).inputs]
        raise DeltapropError(f"{network.name}: --data point needs a seed example with inputs, "
                             f"targets and a worked point ({', '.join(trainable)}); give your "
                             "data with --data FILE.npz or FILE.csv")
    return datasets.seed_point(network, point)


def _check_sizes(network, dataset) -> None:
    if len(network.inputs) != 1 or len(network.targets) != 1:
        raise DeltapropError(f"{network.name}: --data digits needs one input and one target")
    n_in, n_out = (int(s.shape[0]) for s in (network.inputs[0], network.targets[0]))
    x, t = dataset.train["x"], dataset.train["t"]
    if (n_in, n_out) != (x.shape[1], t.shape[1]):
        raise DeltapropError(f"{network.name}: {n_in} inputs and {n_out} outputs, but {dataset.name} "
                             f"has {x.shape[1]} and {t.shape[1]} (try layers:64-32-10:relu:softmax-ce)")


def _initial_params(network, module, args) -> dict:
    """--init, else a seed example's worked point (--data point), else init_params(--seed)."""
    if args.init is not None:
        return read_params(args.init, module, _dtype(module, args))
    if args.data == "point":
        point = example_point(network)
        return {p: np.float64(point[p]) for p in module.PARAMS}
    if hasattr(module, "SHAPES"):
        return module.init_params(args.seed, np.dtype(args.dtype))
    return module.init_params(args.seed)


# -- what is printed and written -------------------------------------------------------------
def _loss(module, params, data) -> float | None:
    if not data:
        return None
    with np.errstate(all="ignore"):
        return float(module.loss(params, data))


def _print_plan(network, dataset, args) -> None:
    n_train, n_validation = dataset.sizes
    held_out = f" (+ {n_validation} for validation)" if n_validation else ""
    print(f"training {network.name} on {dataset.name}: {_count(n_train, 'sample')}{held_out}, "
          f"{_count(args.epochs, 'epoch')}, {_batching(args.batch_size, n_train)}, "
          f"{args.optimizer}, lr {args.lr:g}")


def _report(network, module, params, dataset, history, start_validation) -> None:
    parts = [("training", dataset.train, history.start, history.final)]
    if dataset.validation:
        parts.append(("validation", dataset.validation, start_validation,
                      _loss(module, params, dataset.validation)))
    for part, data, before, after in parts:
        print(f"loss on the {part} set ({_count(len(_first(data)), 'sample')}): "
              f"{before:.9g} -> {after:.9g}")
    if dataset.classes:
        for part, data, _, _ in parts:
            share = accuracy(module, params, data, network.loss_symbol.name)
            print(f"accuracy on the {part} set ({_count(len(_first(data)), 'sample')}): {share:.2%}")
    if len(module.PARAMS) <= SHOWN_PARAMS and not hasattr(module, "SHAPES"):
        print("parameters: " + ", ".join(f"{p} = {float(params[p]):.9g}" for p in module.PARAMS))
    if history.final > history.start:
        print(f"deltaprop: warning: the training loss rose from {history.start:.6g} to "
              f"{history.final:.6g}; the learning rate may be too large", file=sys.stderr)


def _write_outputs(args, module, params, history, title: str) -> None:
    """--save and --curve, all written together (or none)."""
    files = {}
    if args.save is not None:
        files[args.save] = params_npz(params, module.PARAMS)
    plt = _pyplot() if args.curve is not None else None
    if args.curve is not None:
        files[f"{args.curve}.csv"] = history.csv()
        if plt is not None:
            files[f"{args.curve}.png"] = _curve_png(plt, history, title)
    write_all(files)
    for path in files:
        print(f"{'parameters' if path == args.save else 'loss curve'} written to {path}")
    if args.curve is not None and plt is None:
        print(f"deltaprop: note: no PNG written: matplotlib is not installed ({INSTALL_HINT})",
              file=sys.stderr)


def _pyplot():
    from ..plotting import require_matplotlib

    try:
        return require_matplotlib("--curve")
    except DeltapropError:
        return None


def _curve_png(plt, history, title: str) -> bytes:
    from ..plotting import figure_bytes

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = range(1, len(history.losses) + 1)
    ax.plot(epochs, history.losses, label="training (mean over the epoch)")
    if history.validation:
        ax.plot(epochs, history.validation, label="validation (after the epoch)")
        ax.legend()
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss")
    ax.set_yscale("log")
    ax.set_title(title)
    return figure_bytes(fig)


def _first(data: dict):
    return next(iter(data.values()))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _batching(batch_size: int, n: int) -> str:
    if batch_size <= 0 or batch_size >= n:
        return "full batch"
    return "SGD (batch 1)" if batch_size == 1 else f"mini-batches of {batch_size}"
