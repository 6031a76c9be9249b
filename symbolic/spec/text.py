"""The text side of spec files: the function table, limits, decoding and located errors."""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

import sympy as sp

from ..errors import NetworkError
from ..functions import logsumexp, relu, sigmoid, softplus

#: Function name -> (SymPy function, number of arguments or None for one or more).
FUNCTIONS = {
    "exp": (sp.exp, 1), "log": (sp.log, 1), "ln": (sp.log, 1), "sqrt": (sp.sqrt, 1), "sin": (sp.sin, 1),
    "cos": (sp.cos, 1), "tanh": (sp.tanh, 1), "sigmoid": (sigmoid, 1), "relu": (relu, 1),
    "softplus": (softplus, 1), "abs": (sp.Abs, 1), "logsumexp": (logsumexp, None),
}
DIRECTIVES = ("input", "target", "param")
#: Euler's number, unless the spec declares or defines a name ``e`` (then ``e`` is that name).
EULER = "e"
#: π, likewise (``sqrt(2/pi)`` in the tanh form of GELU).
PI = "pi"
LOSS = "loss"


def suggest(name: str, known) -> str:
    """``; did you mean 'x'?`` for the closest of ``known``, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from hanging, exhausting memory or the stack."""

    file_bytes: int = 2_000_000
    line_chars: int = 100_000
    name_chars: int = 100
    depth: int = 64              # nested parentheses, calls, powers, unary operators
    constant_digits: int = 300   # decimal digits of any number built from the constants


LIMITS = Limits()


class SpecError(NetworkError):
    """A problem in a spec file, located at FILE:LINE:COL, shown with the line and a caret."""

    def __init__(self, filename: str, line: int, col: int, message: str, source: str | None = None,
                 width: int = 1):
        self.filename, self.line, self.col, self.message = filename, line, col, message
        self.source, self.width = source, width
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.filename}:{self.line}:{self.col}: {self.message}"
        if self.source is None:
            return head
        text, caret = _excerpt(self.source, self.col - 1, max(1, self.width))
        gutter = str(self.line)
        return (f"{head}\n {gutter} | {text}\n {' ' * len(gutter)} | "
                f"{' ' * caret}^{'~' * (min(self.width, 40) - 1)}")


def _excerpt(source: str, col: int, width: int, room: int = 100) -> tuple[str, int]:
    """The line made printable (one character per character) and cut around ``col``."""
    text = "".join(c if c.isprintable() else " " if c == "\t" else "?" for c in source)
    if len(text) <= room:
        return text, col
    start = max(0, min(col - room // 2, len(text) - room))
    cut = text[start:start + room]
    prefix = "..." if start else ""
    suffix = "..." if start + room < len(text) else ""
    return prefix + cut + suffix, col - start + len(prefix)


def decode(source: str | bytes, filename: str, limits: Limits) -> str:
    """The text of ``source``: size-checked first, strict UTF-8, a leading BOM dropped."""
    size = len(source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source)
    if size > limits.file_bytes:
        raise SpecError(filename, 1, 1, f"file too large: over {limits.file_bytes:,} bytes")
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    try:
        return source.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        before = source[:err.start]
        line = before.count(b"\n") + 1
        start = before.rfind(b"\n") + 1
        col = len(before[start:].decode("utf-8", "replace")) + 1
        shown = source[start:source.find(b"\n", start) if b"\n" in source[start:] else None]
        raise SpecError(filename, line, col, f"invalid UTF-8 (byte 0x{source[err.start]:02x})",
                        shown.decode("utf-8", "replace")) from None


@dataclass
class Line:
    """One source line; ``code`` is what is parsed (``^`` made ``**``), ``cols`` maps back."""

    filename: str
    number: int
    text: str
    code: str = ""
    cols: list = field(default_factory=list)

    def error(self, col: int, message: str, width: int = 1) -> SpecError:
        """A SpecError at 0-based column ``col`` of this line."""
        return SpecError(self.filename, self.number, col + 1, message, self.text, width)

    def node_error(self, node: ast.AST, message: str) -> SpecError:
        """A SpecError at an ast node of ``code``, mapped back to the original text."""
        start = self._original(getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end = self._original(end_offset) if end_offset is not None else start + 1
        return self.error(start, message, max(1, end - start))

    def _original(self, byte_offset: int) -> int:
        chars = len(self.code.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))
        return self.cols[min(chars, len(self.cols) - 1)]
