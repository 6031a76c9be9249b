"""Training data files: ``.npz`` archives keyed by the network's names, or CSV with a header row.

The contract: a scalar network with inputs x1, x2 and target t reads the arrays (or columns)
``x1``, ``x2`` and ``t``, one number per sample each; a matrix network with input X (n_in
units) and target T (n_out units) reads ``X`` of shape N × n_in and ``T`` of shape N × n_out,
or in a CSV the columns ``X_1`` ... ``X_n_in`` and ``T_1`` ... ``T_n_out``.  Other arrays and
columns are ignored.  Every problem is one ``DeltapropError`` naming the file (and the CSV line).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import numpy as np

from symbolic.errors import DeltapropError

SUFFIXES = (".npz", ".csv")


@dataclass(frozen=True)
class Column:
    """One input or target: its name in the file, its key in the module's ``data``, its width."""

    name: str
    key: str
    width: int | None = None   # None: one number per sample (scalar); n: n numbers (matrix)

    @property
    def headers(self) -> list[str]:
        """Its CSV columns: the name itself, or NAME_1 ... NAME_n for a matrix."""
        if self.width is None:
            return [self.name]
        return [f"{self.name}_{i}" for i in range(1, self.width + 1)]

    def shape(self, n="N") -> str:
        return f"({n},)" if self.width is None else f"({n}, {self.width})"


def network_columns(network, module) -> list[Column]:
    """The columns a network reads: inputs then targets, with the module's data keys."""
    symbols = tuple(network.inputs) + tuple(network.targets)
    keys = tuple(module.INPUTS) + tuple(module.TARGETS)
    if not hasattr(module, "SHAPES"):
        return [Column(s.name, key) for s, key in zip(symbols, keys)]
    return [Column(s.name, key, int(s.shape[0])) for s, key in zip(symbols, keys)]


def read_data(path: str, columns: list[Column], dtype=np.float64) -> dict:
    """{module data key: array with one row per sample}, checked against ``columns``."""
    if path.lower().endswith(".npz"):
        data = _read_npz(path, columns)
    elif path.lower().endswith(".csv"):
        data = _read_csv(path, columns)
    else:
        raise DeltapropError(f"--data {path}: expected a .npz or .csv file, or 'point' or 'digits'")
    return {c.key: _finite(path, c, data[c.name], dtype) for c in columns}


# -- .npz ----------------------------------------------------------------------------------
def _read_npz(path: str, columns: list[Column]) -> dict:
    with open_npz(path, [c.name for c in columns]) as archive:
        present = list(archive.files)
        missing = [c.name for c in columns if c.name not in present]
        if missing:
            raise DeltapropError(f"{path}: no array {missing[0]!r} (the file has: "
                                 f"{listing(present)}; the network reads {_names(columns)})")
        arrays = {c.name: numeric_member(path, archive, c.name) for c in columns}
    _check_shapes(path, columns, arrays)
    return arrays


def open_npz(path: str, names: list[str]):
    """The ``numpy.load`` archive of ``path`` (no pickles); ``names`` are the expected keys."""
    try:
        archive = np.load(path, allow_pickle=False)
    except OSError as err:
        raise DeltapropError(f"{path}: cannot read: {err.strerror or err}") from None
    except (ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DeltapropError(f"{path}: not a readable .npz archive ({_first_line(err)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DeltapropError(f"{path}: holds one unnamed array, not named ones; write it with "
                             f"numpy.savez(path, {', '.join(f'{n}=...' for n in names[:3])}"
                             f"{', ...' if len(names) > 3 else ''})")
    return archive


def numeric_member(path: str, archive, name: str) -> np.ndarray:
    try:
        array = archive[name]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise DeltapropError(f"{path}: array {name!r} cannot be read ({_first_line(err)})") from None
    if array.dtype.kind not in "biuf":
        raise DeltapropError(f"{path}: array {name!r} holds {array.dtype} values, not real numbers")
    return array


def _check_shapes(path: str, columns: list[Column], arrays: dict) -> None:
    """Every array N × width (N, for a scalar network, or for a matrix network's one-entry
    input or target: the same numbers, unambiguous); such a 1-D array is made N × 1."""
    first = columns[0].name
    n = arrays[first].shape[0] if arrays[first].ndim else None
    for c in columns:
        shape = arrays[c.name].shape
        if n is not None and c.width == 1 and shape == (n,):
            arrays[c.name] = arrays[c.name].reshape(n, 1)
        elif n is None or shape != ((n,) if c.width is None else (n, c.width)):
            raise DeltapropError(f"{path}: array {c.name!r} has shape {shape}; expected "
                                 f"{c.shape(n if n is not None else 'N')}: {_expected_rows(c, first, n)}"
                                 f" (the file's shapes: {_rows(columns, arrays)})")
    if n == 0:
        raise DeltapropError(f"{path}: the arrays hold no samples")


def _expected_rows(column: Column, first: str, n) -> str:
    """Why an array needs its shape: N rows as the first array, and the column's width."""
    rows = (f"one row per sample, N = {n} as in array {first!r}" if n is not None
            else f"one row per sample (array {first!r} is a single number)")
    if column.width is None:
        return rows + ", one number each"
    return rows + f", {column.width} entries each (the network's {column.name}[{column.width}])"


def _rows(columns, arrays) -> str:
    return ", ".join(f"{c.name} {arrays[c.name].shape}" for c in columns)


# -- CSV -----------------------------------------------------------------------------------
def _read_csv(path: str, columns: list[Column]) -> dict:
    lines = _lines(path)
    header_line, header = next(lines, (0, None))
    if header is None:
        raise DeltapropError(f"{path}: empty file; expected a header row naming the columns")
    header = [h.strip() for h in header]
    where = _header_positions(path, header_line, header, columns)
    rows = []
    for line, cells in lines:
        if len(cells) != len(header):
            raise DeltapropError(f"{path}:{line}: {len(cells)} cells; the header has {len(header)}")
        rows.append([_number(path, line, header[i], cells[i]) for i in where])
    if not rows:
        raise DeltapropError(f"{path}: no samples after the header row")
    return _split_columns(np.array(rows), columns)


def _lines(path: str):
    """(line number, cells) of every non-blank CSV row."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        for cells in reader:
            if cells:
                yield reader.line_num, cells
    except csv.Error as err:
        raise DeltapropError(f"{path}:{reader.line_num}: {err}") from None


def _split_columns(table: np.ndarray, columns: list[Column]) -> dict:
    """{column name: its part of the table} (the table's columns in ``columns`` order)."""
    out, start = {}, 0
    for c in columns:
        block = table[:, start:start + len(c.headers)]
        out[c.name] = block[:, 0] if c.width is None else block
        start += len(c.headers)
    return out


def _text(path: str) -> str:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise DeltapropError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise DeltapropError(f"{path}:{line}: not UTF-8 text (byte {err.start})") from None


def _header_positions(path: str, line: int, header: list[str], columns: list[Column]) -> list[int]:
    """Index of every needed column in the header, in ``columns`` order."""
    seen: set = set()
    for name in header:
        if name in seen:
            raise DeltapropError(f"{path}:{line}: column {name!r} appears twice in the header")
        seen.add(name)
    needed = [h for c in columns for h in ([_header_of(c, seen)] if c.width == 1 else c.headers)]
    missing = [h for h in needed if h not in seen]
    if missing:
        raise DeltapropError(f"{path}:{line}: no column {missing[0]!r} (the header has: "
                             f"{listing(header)}; the network reads {_names(columns, csv=True)})")
    return [header.index(h) for h in needed]


def _header_of(column: Column, header) -> str:
    """A one-entry matrix input or target's column: ``T_1``, or ``T`` when the header has
    only that (the same numbers, as in a scalar network's files)."""
    numbered = column.headers[0]
    return column.name if numbered not in header and column.name in header else numbered


def _number(path: str, line: int, column: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise DeltapropError(f"{path}:{line}: column {column!r}: {_shown(cell)} is not a "
                             "number") from None
    if not np.isfinite(value):
        raise DeltapropError(f"{path}:{line}: column {column!r}: {_shown(cell)} is not a "
                             "finite number")
    return value


# -- shared checks -------------------------------------------------------------------------
def _finite(path: str, column: Column, values: np.ndarray, dtype) -> np.ndarray:
    """The values in ``dtype``; NaN, infinity or overflow in ``dtype`` is an error."""
    with np.errstate(over="ignore", invalid="ignore"):
        cast = np.ascontiguousarray(values, dtype=dtype)
    finite = np.isfinite(cast)
    if finite.all():
        return cast
    index = tuple(np.argwhere(~finite)[0])
    where = f"sample {index[0]}" + (f", column {index[1] + 1}" if len(index) > 1 else "")
    raise DeltapropError(f"{path}: {column.name!r} at {where} (samples count from 0) is "
                         f"{float(values[index])!r}, not a finite {np.dtype(dtype).name} number")


def listing(names, limit: int = 20) -> str:
    names = list(names)
    if not names:
        return "nothing"
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _names(columns: list[Column], csv: bool = False) -> str:
    if csv:
        return listing([h for c in columns for h in c.headers])
    return ", ".join(f"{c.name} {c.shape()}" for c in columns)


def _shown(cell: str, limit: int = 40) -> str:
    return repr(cell if len(cell) <= limit else cell[:limit] + "...")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
