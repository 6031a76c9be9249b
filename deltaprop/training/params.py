"""Parameter files for ``--init`` and ``--save``: ``.npz`` archives keyed by parameter name.

The contract: one array per parameter of the network, named like it (``w1``, ``b1_2``, ``W1``),
no other arrays; a scalar network's parameters are 0-d arrays, a matrix network's have the
generated module's ``SHAPES`` (weights n_out × n_in, biases 1-D).  Written archives are
byte-identical for equal parameters (fixed member order and time stamps).
"""
from __future__ import annotations

import io
import zipfile

import numpy as np

from symbolic.errors import DeltapropError

from .files import listing, numeric_member, open_npz

#: Time stamp of every member of a written archive (the earliest a zip file can hold).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def parameter_shapes(module) -> dict:
    """{parameter name: array shape}: the module's SHAPES, or () for scalar parameters."""
    shapes = getattr(module, "SHAPES", None)
    return dict(shapes) if shapes is not None else {name: () for name in module.PARAMS}


def read_params(path: str, module, dtype=np.float64) -> dict:
    """The parameters in ``path``, checked: every name present, nothing extra, shapes exact."""
    shapes = parameter_shapes(module)
    with open_npz(path, list(shapes)) as archive:
        present = list(archive.files)
        _check_names(path, shapes, present)
        arrays = {name: numeric_member(path, archive, name) for name in shapes}
    return {name: _checked(path, name, arrays[name], shape, dtype) for name, shape in shapes.items()}


def _check_names(path: str, shapes: dict, present: list) -> None:
    missing = [n for n in shapes if n not in present]
    extra = [n for n in present if n not in shapes]
    if missing:
        raise DeltapropError(f"{path}: no parameter {missing[0]!r} ({len(missing)} missing; the "
                             f"file has: {listing(present)})")
    if extra:
        raise DeltapropError(f"{path}: {extra[0]!r} is not a parameter of the network (it has: "
                             f"{listing(shapes)})")


def _checked(path: str, name: str, array: np.ndarray, shape: tuple, dtype):
    """The array in ``dtype`` and ``shape``; the shape without trailing axes of length one (a
    number for a 1 × 1 parameter) is accepted too, as the generated modules accept it."""
    shape = tuple(shape)
    if array.shape != shape and not _same_entries(array.shape, shape):
        raise DeltapropError(f"{path}: parameter {name!r} has shape {array.shape}; the network's "
                             f"is {shape}")
    array = array.reshape(shape)
    with np.errstate(over="ignore", invalid="ignore"):
        cast = np.asarray(array, dtype=dtype)
    if not np.isfinite(cast).all():
        bad = tuple(np.argwhere(~np.isfinite(cast))[0]) if cast.ndim else ()
        raise DeltapropError(f"{path}: parameter {name!r}{list(bad) if bad else ''} is "
                             f"{float(array[bad])!r}, not a finite {np.dtype(dtype).name} number")
    return cast[()] if cast.ndim == 0 else cast.copy()


def _same_entries(given: tuple, expected: tuple) -> bool:
    """``given`` is ``expected`` without some trailing axes of length one."""
    k = len(given)
    return given == expected[:k] and all(n == 1 for n in expected[k:])


def params_npz(params: dict, names) -> bytes:
    """The parameters ``names`` as the bytes of an ``.npz`` archive (``numpy.load`` reads it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in names:
            member = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            with archive.open(member, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(params[name]), allow_pickle=False)
    return buffer.getvalue()
