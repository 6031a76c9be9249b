"""``check_gradients`` for modules of the python and array-api backends (``BACKEND`` constant).

The check itself works on the NumPy contract (floats in ``params``, NumPy arrays over a batch
in ``data``, floats out); an adapter gives a module of another backend that contract without
changing what is checked:

- python (one sample of floats per call): the batch is run sample by sample and the results
  averaged, so a wrong per-sample gradient or a wrong mean shows;
- array-api: parameters go in as 0-d NumPy arrays (a network without inputs takes its namespace
  from them), results come back as NumPy arrays of that namespace.
"""
from __future__ import annotations

import numpy as np


class PerSample:
    """A python-backend module seen as a batch module: mean over per-sample calls."""

    def __init__(self, module):
        self.module = module
        self.PARAMS, self.INPUTS, self.TARGETS = module.PARAMS, module.INPUTS, module.TARGETS
        self.__name__ = getattr(module, "__name__", "module")

    def _samples(self, data):
        n = max([len(np.atleast_1d(v)) for v in data.values()], default=1)
        columns = {k: np.broadcast_to(np.atleast_1d(v), (n,)) for k, v in data.items()}
        return [{k: float(c[i]) for k, c in columns.items()} for i in range(n)]

    def loss(self, params, data):
        losses = [self.module.loss(params, s) for s in self._samples(data)]
        return float(np.mean(losses))

    def _mean_gradients(self, function, params, data):
        results = [function(params, s) for s in self._samples(data)]
        loss = float(np.mean([r[0] for r in results]))
        return loss, {p: float(np.mean([r[1][p] for r in results])) for p in self.PARAMS}

    def gradients(self, params, data):
        return self._mean_gradients(self.module.gradients, params, data)

    def gradients_naive(self, params, data):
        return self._mean_gradients(self.module.gradients_naive, params, data)


class ZeroDimParams:
    """An array-api module called with 0-d NumPy parameters (scalar networks) or as it is."""

    def __init__(self, module):
        self.module = module
        self.__name__ = getattr(module, "__name__", "module")
        self.__deltaprop_source__ = getattr(module, "__deltaprop_source__", "")

    def __getattr__(self, name):            # PARAMS, INPUTS, SHAPES, DATA_SHAPES, ...
        return getattr(self.module, name)

    def _params(self, params):
        return {k: np.asarray(v) for k, v in params.items()}

    def loss(self, params, data):
        return float(self.module.loss(self._params(params), data))

    def _converted(self, function, params, data):
        loss, grads = function(self._params(params), data)
        return float(loss), {k: _numpy(v) for k, v in grads.items()}

    def gradients(self, params, data):
        return self._converted(self.module.gradients, params, data)

    def gradients_naive(self, params, data):
        return self._converted(self.module.gradients_naive, params, data)


def _numpy(value):
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


#: module BACKEND constant → adapter to the NumPy contract.
ADAPTERS = {"python": PerSample, "array-api": ZeroDimParams}


def as_numpy_contract(module):
    """``module`` itself (NumPy backend) or an adapter giving it the NumPy module contract."""
    adapter = ADAPTERS.get(getattr(module, "BACKEND", "numpy"))
    return module if adapter is None else adapter(module)
