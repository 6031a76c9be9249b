"""Where a generated module runs: what differs between NumPy, plain Python and the array API.

One emitter serves every backend (``codegen.scalar``, ``codegen.matrix_emitter``); a backend
only says how to print expressions (its printer and helpers), how to sum over the batch, how
a function starts (parameters, data, the block loop) and which template frames the module.

- ``numpy``: the default; vectorized over a batch in blocks of ``BLOCK`` samples, ``np.dot``
  reductions, floats out.
- ``python``: plain floats and ``math``, one sample per call, no loop and no reductions.
- ``array-api``: the Python array API standard; the namespace comes from
  ``array_api_compat.array_namespace`` of the caller's arrays, results are that library's
  0-d arrays (lazy for Dask).  Blocks on NumPy and array-api-strict, whole arrays elsewhere
  (a GPU wants large kernels, Dask's chunks are its blocks).
"""
from __future__ import annotations

from symbolic.errors import DeltapropError

from . import array_api_printer, printer, python_printer


class NumpyTarget:
    """NumPy over a batch (the default backend)."""

    name = "numpy"
    label = "NumPy"
    summary = "NumPy, vectorized over a batch (default)"
    template = "scalar_module.py.j2"
    printer_class = printer.NumPyCodePrinter
    helpers = printer.HELPERS
    reserved = frozenset({"np", "numpy"})
    one_sample = False

    def printer(self, names):
        return self.printer_class(names)

    def sum(self, code: str) -> str:
        return f"np.sum({code})"

    def dot(self, a: str, b: str) -> str:
        return f"np.dot({a}, {b})"

    def accumulator(self, name: str) -> list[str]:
        return [f"{name} = 0.0"]

    def mean(self, accumulated: str) -> str:
        return f"float({accumulated} / _n)"

    def output(self, name: str) -> str:
        return f"_batch({name}, _n)"

    def forward_prologue(self, params: list, data: list) -> list[str]:
        lines = self.prologue(params, data)
        return lines + ([f"{unpack(data)} = _columns"] if data else [])

    def prologue(self, params: list, data: list) -> list[str]:
        """Lines that bind the parameters; ``params``/``data``: [(identifier, user name)]."""
        return ["_n, _columns = _data(data)", f"{unpack(params)} = _params(params, _columns)"]

    def loop(self) -> str:
        return "for _start in range(0, _n, BLOCK):"

    def block_unpack(self, data: list) -> list[str]:
        return [f"{unpack(data)} = _block(_columns, _start)"] if data else []


class PythonTarget(NumpyTarget):
    """Plain Python floats and ``math``, one sample per call."""

    name = "python"
    label = "plain-Python"
    summary = "plain Python floats and math, one sample per call"
    template = "scalar_python_module.py.j2"
    printer_class = python_printer.PythonCodePrinter
    helpers = python_printer.HELPERS
    reserved = frozenset({"math"})
    one_sample = True

    def accumulator(self, name: str) -> list[str]:
        return []

    def mean(self, accumulated: str) -> str:
        return accumulated

    def output(self, name: str) -> str:
        return name

    def forward_prologue(self, params: list, data: list) -> list[str]:
        return self.prologue(params, data)

    def prologue(self, params: list, data: list) -> list[str]:
        """Plain lookups (nothing to check when all keys are there); on a KeyError the
        MissingNameError names every missing key."""
        lines = [f"    {unpack(params)} = {unpack(f'params[{key!r}]' for _, key in params)}"]
        if data:
            lines.append(f"    {unpack(data)} = {unpack(f'data[{key!r}]' for _, key in data)}")
        return ["try:", *lines, "except KeyError:", '    _require(params, PARAMS, "params")',
                '    _require(data, INPUTS + TARGETS, "data")', "    raise"]

    def loop(self) -> str:
        return ""


class ArrayApiTarget(NumpyTarget):
    """The Python array API standard, namespace from the caller's arrays."""

    name = "array-api"
    label = "array API"
    summary = "the Python array API standard (NumPy, CuPy, PyTorch, JAX, Dask arrays)"
    template = "scalar_array_api_module.py.j2"
    printer_class = array_api_printer.ArrayApiCodePrinter
    helpers = array_api_printer.HELPERS
    reserved = frozenset({"xp", "array_api_compat"})

    def sum(self, code: str) -> str:
        return f"xp.sum({code})"

    def dot(self, a: str, b: str) -> str:
        return f"_vecdot(xp, {a}, {b})"

    def mean(self, accumulated: str) -> str:
        return f"_scalar(xp, _dtype, {accumulated} / _n)"

    def output(self, name: str) -> str:
        return f"_batch(xp, _dtype, {name}, _n)"

    def prologue(self, params: list, data: list) -> list[str]:
        return ["xp, _dtype, _n, _step, _columns = _data(params, data)",
                f"{unpack(params)} = _params(xp, _dtype, params)"]

    def loop(self) -> str:
        return "for _start in range(0, _n, _step):"

    def block_unpack(self, data: list) -> list[str]:
        return [f"{unpack(data)} = _block(_columns, _start, _step)"] if data else []


#: Backend name → target, in the order ``--backend`` lists them.
BACKENDS = {t.name: t for t in (NumpyTarget(), PythonTarget(), ArrayApiTarget())}
DEFAULT = "numpy"


def backend(name: str | None = None):
    """The target called ``name`` (default ``numpy``); an unknown name is a one-line error."""
    name = DEFAULT if name is None else name
    if name not in BACKENDS:
        raise DeltapropError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name]


def unpack(names) -> str:
    """``a, b`` (``a,`` for one name) from identifiers or [(identifier, key)] pairs."""
    items = [n[0] if isinstance(n, tuple) else n for n in names]
    return ", ".join(items) + ("," if len(items) == 1 else "")
