"""One statement per line: declarations, and definitions parsed with ``ast``.

Pass one of reading a spec: each line becomes a ``Declaration`` or a ``Definition`` (its
expression still an ``ast`` tree), or a located ``SpecError``.  Everything the tokenizer or the
parser can already refuse (strings, stray characters, deep brackets, other statements) is
refused here.
"""
from __future__ import annotations

import ast
import io
import keyword
import re
import sys
import threading
import tokenize
import unicodedata
import warnings
from dataclasses import dataclass, field

from .shapes import SHAPED_NAME, split_shape
from .text import DIRECTIVES, FUNCTIONS, LIMITS, LOSS, Limits, Line, SpecError, suggest


@dataclass
class Declaration:
    """``input/target/param NAME ...``: names with their 0-based columns."""

    line: Line
    role: str
    names: list          # [(name, col)]
    shapes: dict = field(default_factory=dict)   # name -> dimensions, for NAME[3,6]


@dataclass
class Definition:
    """``NAME = EXPR`` (``loss = EXPR`` included), the expression as an ``ast`` tree."""

    line: Line
    target: str
    target_col: int
    value: ast.expr


_HEAD = re.compile(r"[ \t]*([^\W\d]\w*)")


def read_line(filename: str, number: int, raw: str, limits: Limits):
    """The statement on one line (None for blank and comment lines)."""
    text = raw[:-1] if raw.endswith("\r") else raw
    line = Line(filename, number, text)
    if len(text) > limits.line_chars:
        raise SpecError(filename, number, 1, f"line too long: {len(text):,} characters, "
                        f"over the limit of {limits.line_chars:,}")
    code = text.split("#", 1)[0]
    _check_characters(line, code)
    if not code.strip():
        return None
    head = _HEAD.match(code)
    rest = code[head.end():] if head else ""
    if head and head.group(1) in DIRECTIVES and not rest.lstrip().startswith("="):
        return _declaration(line, head.group(1), rest, head.end(), limits)
    if head and keyword.iskeyword(head.group(1)) and re.match(r"[ \t]*=(?!=)", rest):
        raise line.error(head.start(1), f"{head.group(1)!r} is a Python keyword and cannot be "
                         "a name", len(head.group(1)))
    if (head and not keyword.iskeyword(head.group(1)) and head.group(1) not in DIRECTIVES
            and re.match(r"[ \t]+[^\W\d]", rest)):
        word = head.group(1)
        raise line.error(head.start(1), f"unknown directive {word!r} (a line is "
                         "'input/target/param NAMES' or 'NAME = EXPR')" + suggest(word, DIRECTIVES),
                         len(word))
    return _definition(line, code, limits)


def read_expression(filename: str, text: str, limits: Limits) -> tuple[Line, ast.expr]:
    """(line, tree) of a text that holds one expression and nothing else (e.g. a formula)."""
    line = Line(filename, 1, text)
    if len(text) > limits.line_chars:
        raise line.error(0, f"too long: {len(text):,} characters, over the limit of "
                         f"{limits.line_chars:,}")
    _check_characters(line, text)
    if not text.strip():
        raise line.error(0, "empty expression")
    line.code, line.cols = _translate(line, text, limits)
    tree = _parse(line)
    if len(tree.body) != 1:
        raise line.node_error(tree.body[-1], "one expression only")
    if not isinstance(tree.body[0], ast.Expr):
        raise line.node_error(tree.body[0], "expected an expression, not a statement")
    return line, tree.body[0].value


def _check_characters(line: Line, code: str) -> None:
    for col, c in enumerate(code):
        if not (c.isprintable() or c == "\t"):
            raise line.error(col, f"control character U+{ord(c):04X} is not allowed"
                             if unicodedata.category(c) in ("Cc", "Cf") else
                             f"unprintable character U+{ord(c):04X} is not allowed")


def _declaration(line: Line, role: str, rest: str, offset: int, limits: Limits) -> Declaration:
    tokens = [(m.group(0), offset + m.start()) for m in re.finditer(SHAPED_NAME, rest)]
    if not tokens:
        raise line.error(0, f"'{role}' declares no names (e.g. '{role} x1 x2')", len(role))
    names, shapes = [], {}
    for token, col in tokens:
        name, dims = split_shape(line, token, col, role)
        check_name(line, name, col, limits)
        names.append((name, col))
        if dims is not None:
            shapes[name] = dims
    return Declaration(line, role, names, shapes)


def check_name(line: Line, name: str, col: int, limits: Limits = LIMITS) -> None:
    """Raise unless ``name`` is a plain, unreserved identifier."""
    why = name_problem(name, limits)
    if why:
        raise line.error(col, why, len(name))


def name_problem(name: str, limits: Limits) -> str | None:
    if not name.isidentifier():
        return (f"{name!r} is not a valid name (letters, digits and '_', "
                "not starting with a digit)")
    if unicodedata.normalize("NFKC", name) != name:
        return f"name {name!r} is not in Unicode normal form (NFKC)"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword and cannot be a name"
    if name.startswith("__"):
        return f"{name!r}: names starting with '__' (dunder names) are not allowed"
    if name in FUNCTIONS:
        return f"{name!r} is a function and cannot be a name"
    if name in DIRECTIVES:
        return f"{name!r} is a directive and cannot be a name"
    if name == LOSS:
        return f"{LOSS!r} is reserved for the line 'loss = EXPR'"
    if len(name) > limits.name_chars:
        return f"name too long: over {limits.name_chars} characters"
    return None


def _definition(line: Line, code: str, limits: Limits) -> Definition:
    line.code, line.cols = _translate(line, code, limits)
    tree = _parse(line)
    if len(tree.body) != 1:
        raise line.node_error(tree.body[1], "one statement per line")
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1:
            raise line.node_error(stmt.targets[1],
                                  "chained assignment (a = b = ...) is not allowed")
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            raise line.node_error(target, "the left side must be a single name: "
                                  + EXPRESSION_PROBLEMS.get(type(target), "not allowed"))
        col = line.node_error(target, "").col - 1
        if target.id != LOSS:
            check_name(line, target.id, col, limits)
        return Definition(line, target.id, col, stmt.value)
    raise line.node_error(stmt, _statement_problem(stmt))


def _statement_problem(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.NamedExpr):
        return EXPRESSION_PROBLEMS[ast.NamedExpr]
    if isinstance(stmt, ast.AugAssign):
        return "augmented assignment is not allowed: define each node once with NAME = EXPR"
    if isinstance(stmt, ast.AnnAssign):
        return "annotations are not allowed: write NAME = EXPR"
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return "import statements are not allowed"
    if isinstance(stmt, ast.Expr):
        return "expected 'NAME = EXPR' or a declaration 'input/target/param NAMES'"
    return (f"{type(stmt).__name__.lower()} statements are not allowed "
            "(a line is 'input/target/param NAMES' or 'NAME = EXPR')")


def _translate(line: Line, code: str, limits: Limits) -> tuple[str, list[int]]:
    """``code`` with each ``^`` operator made ``**`` and leading blanks dropped, plus a column map.

    Also rejects what the tokenizer already shows: strings, stray characters, deep brackets.
    """
    indent = len(code) - len(code.lstrip(" \t"))
    body = code[indent:]
    pieces, cols, pos, depth = [], [], 0, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(body).readline):
            if tok.start[0] != 1:
                break
            _check_token(line, tok, indent)
            depth = _bracket_depth(line, tok, indent, depth, limits)
            if tok.type == tokenize.OP and tok.string in ("^", "^="):
                col = tok.start[1]
                pieces += [body[pos:col], "**" + tok.string[1:]]
                cols.extend(range(indent + pos, indent + col))
                cols.extend([indent + col] * (1 + len(tok.string)))
                pos = tok.end[1]
    except (tokenize.TokenError, SyntaxError):
        pass  # unclosed brackets and the like: ast.parse below names the problem
    pieces.append(body[pos:])
    cols.extend(range(indent + pos, indent + len(body) + 1))
    return "".join(pieces), cols


def _check_token(line: Line, tok, indent: int) -> None:
    """Strings, stray characters and names not in NFKC are refused at their column."""
    col = indent + tok.start[1]
    if tok.type == tokenize.STRING:
        prefix = tok.string.split(tok.string[-1])[0].lower()
        kind = "f-strings" if "f" in prefix else "strings"
        raise line.error(col, f"{kind} are not allowed", len(tok.string))
    if tok.type == tokenize.ERRORTOKEN and not tok.string.isspace():
        what = ("strings are not allowed" if tok.string[:1] in "'\""
                else f"unexpected character {tok.string!r}")
        raise line.error(col, what)
    if tok.type == tokenize.NAME and unicodedata.normalize("NFKC", tok.string) != tok.string:
        raise line.error(col, f"name {tok.string!r} is not in Unicode normal form (NFKC)",
                         len(tok.string))


def _bracket_depth(line: Line, tok, indent: int, depth: int, limits: Limits) -> int:
    """The bracket depth after ``tok``; too deep is an error at the bracket."""
    if tok.type != tokenize.OP:
        return depth
    if tok.string in "([{":
        if depth + 1 > limits.depth:
            raise line.error(indent + tok.start[1], f"nested too deeply (more than "
                             f"{limits.depth} levels of brackets)")
        return depth + 1
    return depth - 1 if tok.string in ")]}" else depth


#: Lines longer than this are parsed on a helper thread with a large stack (see ``_parse``).
_DEEP_LINE_CHARS = 500
_DEEP_STACK_BYTES = 64 * 2**20


def _parse(line: Line) -> ast.Module:
    """``ast.parse`` of one line.

    A flat sum or product of n terms is an ast n levels deep, and CPython builds the Python
    objects of the tree recursively: the recursion limit is raised for the call (bounded by the
    line length limit) and lines over 500 characters are parsed on a thread with a 64 MB stack,
    so that neither this nor CPython's recursive parser (3,000 unary minuses overflow a 256 kB
    thread stack) can crash a caller running on a small stack.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 2 * len(line.code) + 1000))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(line.code) <= _DEEP_LINE_CHARS:
                return ast.parse(line.code, filename=line.filename, mode="exec")
            return _on_big_stack(ast.parse, line.code, line.filename, "exec")
    except SyntaxError as err:
        offset = max(1, (err.offset or 1)) - 1
        col = line.cols[min(offset, len(line.cols) - 1)]
        raise line.error(col, f"syntax error: {err.msg}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise line.error(0, "expression too complex to parse (nested too deeply)") from None
    finally:
        sys.setrecursionlimit(old)


def _on_big_stack(function, *args):
    """``function(*args)`` run on a fresh thread with a ``_DEEP_STACK_BYTES`` stack."""
    outcome: dict = {}

    def work():
        try:
            outcome["value"] = function(*args)
        except BaseException as err:  # handed to the caller's thread
            outcome["error"] = err

    previous = threading.stack_size(_DEEP_STACK_BYTES)
    try:
        worker = threading.Thread(target=work, name="deltaprop-spec-parse")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


EXPRESSION_PROBLEMS = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda expressions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment expressions (':=', walrus) are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.List: "lists are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "starred expressions are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}
