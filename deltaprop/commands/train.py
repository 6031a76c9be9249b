"""``deltaprop train NETWORK``: gradient descent on the generated module, with a loss curve."""
from __future__ import annotations

import os
import sys

import numpy as np

from symbolic.errors import DeltapropError
from symbolic.examples import POINTS, builtin, example_point
from symbolic.wording import plural

from ..arguments import integer, number, seed
from ..loading import load_network, network_argument
from ..output import check_targets, write_all
from ..training import data as datasets
from ..training.loop import ProgressBar, accuracy, train
from ..training.optimizers import OPTIMIZERS, make_optimizer
from ..plotting import INSTALL_HINT

#: Momentum μ of --optimizer momentum unless --momentum is given.
DEFAULT_MOMENTUM = 0.9
#: Networks with at most this many scalar parameters print them after training.
SHOWN_PARAMS = 12

HELP = "train a network's generated module (full-batch, mini-batch or SGD; momentum, Adam)"


def add_arguments(parser) -> None:
    network_argument(parser, "built-in seed example, layers:SIZES:ACT:LOSS, mlp:..., or a file")
    parser.add_argument("--data", default="point",
                        help="'point' (a seed example's worked point) or 'digits' "
                             "(scikit-learn's 8x8 digits; needs layers:64-...-10:ACT:softmax-ce)")
    parser.add_argument("--epochs", type=integer(1, 1_000_000), default=100)
    parser.add_argument("--lr", type=number(0, low_open=True), default=0.5, help="learning rate (default 0.5)")
    parser.add_argument("--batch-size", type=integer(0, 10_000_000), default=0,
                        help="samples per update: 0 = full batch (default), 1 = SGD")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    parser.add_argument("--momentum", type=number(0, 1, high_open=True), default=None, help=f"μ in [0, 1) for --optimizer momentum (default {DEFAULT_MOMENTUM})")
    parser.add_argument("--seed", type=seed(), default=0, help="initial weights and shuffling")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="array dtype for matrix networks (default float32)")
    parser.add_argument("--curve", metavar="PREFIX",
                        help="write the loss curve to PREFIX.csv and PREFIX.png (plot extra)")


def run(args) -> int:
    from codegen import generate_module, load_module  # deferred: codegen imports SymPy printers

    _check_numbers(args)
    if args.curve is not None:
        check_targets(f"{args.curve}.csv", f"{args.curve}.png")
    network = load_network(args.network)
    module = load_module(generate_module(network))
    dataset, params = _problem(network, module, args)
    optimizer = make_optimizer(args.optimizer, args.lr, args.momentum)
    samples = len(_first(dataset.train))
    print(f"training {network.name} on {dataset.name}: {samples} sample{'s' * (samples != 1)}, "
          f"{plural(args.epochs, 'epoch')}, {_batching(args, dataset)}, {args.optimizer}, lr {args.lr:g}")
    start = float(module.loss(params, dataset.train))
    history = train(module, params, dataset.train, optimizer, args.epochs, args.batch_size,
                    args.seed, ProgressBar())
    final = float(module.loss(params, dataset.train))
    print(f"loss {start:.9g} -> {final:.9g} (full training set)")
    if len(module.PARAMS) <= SHOWN_PARAMS and not hasattr(module, "SHAPES"):
        print("parameters: " + ", ".join(f"{p} = {float(params[p]):.9g}" for p in module.PARAMS))
    if dataset.labels_key:
        for part, data in (("training", dataset.train), ("held-out", dataset.test)):
            print(f"accuracy on the {part} set ({len(_first(data))} samples): "
                  f"{accuracy(module, params, data, dataset.labels_key):.2%}")
    if not np.isfinite(final):
        print("deltaprop: warning: the loss is not finite; lower --lr", file=sys.stderr)
    if args.curve:
        _write_curve(args.curve, history, network.name)
    return 0


def _check_numbers(args) -> None:
    """What argparse cannot check alone (ranges are checked by the option types)."""
    if args.momentum is not None and args.optimizer != "momentum":
        raise DeltapropError(f"--momentum applies to --optimizer momentum, not {args.optimizer}")
    if args.momentum is None:
        args.momentum = DEFAULT_MOMENTUM
    if args.curve is not None and (not os.path.basename(args.curve) or args.curve.endswith(os.sep)):
        raise DeltapropError(f"--curve {args.curve!r}: give a file prefix such as runs/loss "
                             "(PREFIX.csv and PREFIX.png are written)")


def _problem(network, module, args):
    if args.data == "digits":
        if not hasattr(module, "SHAPES"):
            raise DeltapropError("--data digits needs a matrix network, e.g. "
                                 "layers:64-32-10:relu:softmax-ce")
        dataset = datasets.digits(seed=args.seed, dtype=np.dtype(args.dtype))
        _check_sizes(network, module, dataset)
        return dataset, _initial_matrix(module, args)
    if args.data != "point":
        raise DeltapropError(f"--data {args.data!r}: choose 'point' or 'digits'")
    point = example_point(network)
    if point is None or not network.inputs:
        trainable = [name for name in POINTS if builtin(name).inputs]
        raise DeltapropError(f"{network.name}: --data point needs a seed example with inputs, "
                             f"targets and a worked point ({', '.join(trainable)}); use --data "
                             "digits for layers:64-...-10")
    dataset = datasets.seed_point(network, point)
    return dataset, {p: np.float64(point[p]) for p in module.PARAMS}


def _check_sizes(network, module, dataset) -> None:
    n_in, n_out = (int(s.shape[0]) for s in (network.inputs[0], network.targets[0]))
    x, t = dataset.train["x"], dataset.train["t"]
    if (n_in, n_out) != (x.shape[1], t.shape[1]):
        raise DeltapropError(f"{network.name}: {n_in} inputs and {n_out} outputs, but {dataset.name} "
                             f"has {x.shape[1]} and {t.shape[1]} (try layers:64-32-10:relu:softmax-ce)")


def _initial_matrix(module, args) -> dict:
    """Weights N(0, 2/n_in) (He), biases zero, in the requested dtype."""
    rng = np.random.default_rng(args.seed)
    dtype = np.dtype(args.dtype)
    params = {}
    for name, shape in module.SHAPES.items():
        if len(shape) == 1:
            params[name] = np.zeros(shape, dtype)
        else:
            params[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / shape[1])).astype(dtype)
    return params


def _write_curve(prefix: str, history, title: str) -> None:
    try:
        from ..plotting import figure_bytes, require_matplotlib

        plt = require_matplotlib("--curve")
    except DeltapropError:
        plt = None
    files = {f"{prefix}.csv": history.csv()}
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(range(1, len(history.losses) + 1), history.losses)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean training loss")
        ax.set_yscale("log")
        ax.set_title(title)
        files[f"{prefix}.png"] = figure_bytes(fig)
    write_all(files)
    for path in files:
        print(f"loss curve written to {path}")
    if plt is None:
        print(f"deltaprop: note: no PNG written: matplotlib is not installed ({INSTALL_HINT})",
              file=sys.stderr)


def _first(data: dict):
    return next(iter(data.values()))


def _batching(args, dataset) -> str:
    n = len(_first(dataset.train))
    if args.batch_size <= 0 or args.batch_size >= n:
        return "full batch"
    return "SGD (batch 1)" if args.batch_size == 1 else f"mini-batches of {args.batch_size}"
