"""Writing results all at once: a file is either complete or absent, never half-written."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def emit(text: str, output: str | os.PathLike | None, details: str = "") -> None:
    """Print ``text``, or write it to ``output`` at once and say so in one line."""
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    print(f"wrote {output}" + (f" {details}" if details else ""))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
