"""Writing results all at once: every file of a command is complete or absent, never half-written.

``write_all`` stages each file as a temporary file beside its target and renames them into
place only when every one was written; any failure removes the staged files and becomes one
``DeltapropError`` naming the path.  Input files the command read (``protect``) are never
overwritten.  The folder of an output file must exist, except the one output folder a command
may create (``build -o DIR``).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from symbolic.errors import DeltapropError

#: Real paths of the input files of this run, which no output may replace.
_PROTECTED: set[str] = set()


def forget_protected() -> None:
    """Start a new run: no input file is protected yet."""
    _PROTECTED.clear()


def protect(path: str | os.PathLike) -> None:
    """Refuse, for the rest of the run, to write over ``path`` (an input file)."""
    _PROTECTED.add(os.path.realpath(path))


def write_all(files: dict, folder: str | os.PathLike | None = None) -> list[Path]:
    """Write ``{path: str or bytes}`` so that either all files are replaced or none is.

    ``folder`` (with its parents) is created if it is missing, and removed again if the
    writing fails; any other missing folder is an error."""
    targets = [(path, _target(path, folder), content) for path, content in files.items()]
    staged: list[tuple[str, Path]] = []
    current, created = folder, []
    try:
        created = _make_folder(folder) if targets and folder is not None else []
        for current, target, content in targets:
            staged.append((_stage(target, content), target))
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
    except OSError as err:
        _undo(staged, created)
        raise DeltapropError(f"{_shown(str(current))}: cannot write: {err.strerror or err}") from None
    except BaseException:
        _undo(staged, created)
        raise
    return [target for _, target in staged]


def _undo(staged: list, created: list[Path]) -> None:
    """Remove the staged temporary files and the folders this write created."""
    for tmp, _ in staged:
        if os.path.exists(tmp):
            os.unlink(tmp)
    for path in reversed(created):
        try:
            path.rmdir()
        except OSError:
            pass


def _make_folder(folder) -> list[Path]:
    """Create ``folder`` and its missing parents; returns the folders created, outermost first."""
    path = Path(os.path.realpath(folder))
    missing = [p for p in [path, *path.parents] if not p.exists()][::-1]
    if path.exists() and not path.is_dir():
        raise DeltapropError(f"{folder}: exists and is not a directory")
    for p in missing:
        if p.parent.exists() and not p.parent.is_dir():
            raise DeltapropError(f"{p.parent}: exists and is not a directory")
        p.mkdir()
    return missing


def check_targets(*paths) -> None:
    """Refuse now, before any work, outputs that ``write_all`` would refuse (folders, inputs)."""
    for path in paths:
        if path is not None:
            _target(path)


def write_atomic(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write one file all at once (see ``write_all``)."""
    return write_all({path: content})[0]


def emit(text: str, output: str | os.PathLike | None, details: str = "") -> None:
    """Print ``text``, or write it to ``output`` at once and say so in one line."""
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    print(f"wrote {output}" + (f" {details}" if details else ""))


def _target(path: str | os.PathLike, folder=None) -> Path:
    """The file a write to ``path`` replaces (a symlink's target), checked before any writing;
    its folder must exist unless it is inside ``folder`` (which ``write_all`` creates)."""
    if str(path) == "":
        raise DeltapropError("empty output path")
    real = Path(os.path.realpath(path))
    if str(real) in _PROTECTED:
        raise DeltapropError(f"{path}: refusing to overwrite an input file of this command")
    if real.is_dir():
        raise DeltapropError(f"{path}: is a directory, not a file")
    inside = folder is not None and real.is_relative_to(os.path.realpath(folder))
    if not inside:
        _check_folder(path, real.parent)
    return real


def _check_folder(path, parent: Path) -> None:
    if parent.is_dir():
        return
    shown = os.path.dirname(os.fspath(path)) or "."
    if parent.exists():
        raise DeltapropError(f"{path}: cannot write: {shown} exists and is not a directory")
    raise DeltapropError(f"{path}: cannot write: folder {shown} does not exist "
                         "(create it first)")


def _stage(target: Path, content: str | bytes) -> str:
    """A complete temporary copy of the file beside ``target``; returns its path."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; give the usual permissions
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _shown(path: str) -> str:
    return path if len(path) <= 200 else path[:200] + "..."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
