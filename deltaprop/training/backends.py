"""Which generated module ``deltaprop train`` runs: NumPy, plain Python per sample, or Dask.

- ``numpy``: the NumPy module (the default for batches).
- ``python``: SGD with batch 1 on a scalar network: each one-sample step goes to the python
  backend's ``gradients`` (floats and ``math``, ~40x less call overhead than NumPy for one
  sample); losses over the whole set still come from the NumPy module.
- ``--scheduler ADDRESS``: each batch's loss and gradients come from the array-api module on a
  ``dask.array`` chunked over the samples, computed on the ``distributed`` scheduler at
  ADDRESS.  The training set is sent once and kept on the workers; a full batch reuses it, a
  mini-batch travels with its step's task graph.
"""
from __future__ import annotations

import warnings
import weakref

from symbolic.errors import DeltapropError
from symbolic.matrix import MatrixNetwork

DASK_HINT = "pip install 'deltaprop[dask]' (or: pip install array-api-compat 'dask[array]' distributed)"
#: Seconds to wait for the scheduler at --scheduler ADDRESS.
CONNECT_TIMEOUT = 10
#: Chunks per worker thread for the training set on the cluster.
CHUNKS_PER_THREAD = 2


def choose_backend(network, batch_size: int, requested: str = "auto") -> str:
    """``requested``, or for ``auto``: ``python`` for SGD (batch 1) on a scalar network."""
    if requested != "auto":
        return requested
    scalar = not isinstance(network, MatrixNetwork)
    return "python" if batch_size == 1 and scalar else "numpy"


def training_module(network, batch_size: int, requested: str = "auto", scheduler=None):
    """The module ``train`` updates parameters with (a generated module or a wrapper of one)."""
    from codegen import generate_module, load_module  # deferred: codegen imports SymPy printers

    reference = load_module(generate_module(network))
    if scheduler is not None:
        return OnCluster(load_module(generate_module(network, "array-api")), reference,
                         connect(scheduler), scheduler)
    backend = choose_backend(network, batch_size, requested)
    if backend == "python":
        return OneSample(load_module(generate_module(network, "python")), reference)
    return reference


class Delegating:
    """Everything but ``gradients`` and ``loss`` comes from the NumPy module."""

    def __init__(self, reference):
        self.reference = reference

    def __getattr__(self, name):
        return getattr(self.reference, name)


class OneSample(Delegating):
    """One-sample gradients from the python backend, everything else from NumPy."""

    backend = "python backend for one-sample steps (floats and math), NumPy for whole-set losses"

    def __init__(self, python_module, reference):
        super().__init__(reference)
        self.python = python_module
        self.names = reference.INPUTS + reference.TARGETS

    def gradients(self, params, data):
        if any(len(data[k]) != 1 for k in self.names):
            return self.reference.gradients(params, data)
        sample = {k: float(data[k][0]) for k in self.names}
        return self.python.gradients({k: float(v) for k, v in params.items()}, sample)


class OnCluster(Delegating):
    """Loss and gradients of each batch computed by the array-api module on a Dask cluster."""

    def __init__(self, array_api_module, reference, client, address: str):
        import dask.array as da

        super().__init__(reference)
        self.module, self.client, self.da = array_api_module, client, da
        self.threads = max(1, sum(client.nthreads().values()))
        self.backend = (f"array-api module on dask arrays, computed by the scheduler at {address} "
                        f"({len(client.nthreads())} workers, {self.threads} threads)")
        self.kept = self.kept_print = None
        weakref.finalize(self, client.close)     # when training is done with this module

    def keep(self, train_data: dict) -> None:
        """Send the training set to the workers once; full batches reuse it."""
        self.kept, self.kept_print = self._persist(train_data), fingerprint(train_data)

    def _chunked(self, data: dict) -> dict:
        n = len(next(iter(data.values())))
        rows = max(1, -(-n // (CHUNKS_PER_THREAD * self.threads)))
        return {k: self.da.from_array(v, chunks=(rows,) + v.shape[1:]) for k, v in data.items()}

    def _persist(self, data: dict) -> dict:
        chunked = self._chunked(data)
        with warnings.catch_warnings():     # sending the data once is the point
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            return dict(zip(chunked, self.client.persist(list(chunked.values()))))

    def _lazy(self, data: dict) -> dict:
        """The kept training set when ``data`` holds the same samples (a full batch, in any
        order: its mean loss and gradient do not depend on the order), else ``data`` chunked."""
        if self.kept is not None and fingerprint(data) == self.kept_print:
            return self.kept
        return self._chunked(data)

    def gradients(self, params, data):
        return self.client.compute(self.module.gradients(params, self._lazy(data)), sync=True)

    def loss(self, params, data):
        return float(self.client.compute(self.module.loss(params, self._lazy(data)), sync=True))


def fingerprint(data: dict) -> tuple:
    """Per column: samples, min, max, and sum and sum of squares rounded to 10 digits; the same
    for any order of the same samples (two different sets agreeing on all of them: no)."""
    import numpy as np

    out = []
    for key in sorted(data):
        v = np.asarray(data[key], dtype=np.float64)
        sums = (float(np.sum(v)), float(np.sum(v * v)))
        out.append((key, v.shape, float(v.min()), float(v.max()),
                    tuple(float(f"{s:.10e}") for s in sums)))
    return tuple(out)


def print_backend(module) -> None:
    """Say how ``module`` computes gradients, unless it is the NumPy module itself."""
    if hasattr(module, "backend"):
        print(f"gradients: {module.backend}")


def keep_training_set(module, train_data: dict) -> None:
    """On a cluster: send the training set to the workers once (no-op otherwise)."""
    if isinstance(module, OnCluster):
        module.keep(train_data)


def connect(address: str):
    """A ``distributed.Client`` of the scheduler at ``address``; one-line errors otherwise."""
    try:
        import array_api_compat  # noqa: F401  (needed by the array-api module)
        import dask.array  # noqa: F401
        from distributed import Client
    except ImportError as err:
        raise DeltapropError(f"--scheduler needs array-api-compat, dask and distributed "
                             f"({err.name} is not installed): {DASK_HINT}") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise DeltapropError(f"--scheduler {address}: cannot reach a Dask scheduler there "
                             f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from None
