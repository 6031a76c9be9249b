"""The pieces a derivation document is made of, and how text pieces print in LaTeX and Markdown.

A document is a list of ``Section``s; each holds blocks: ``Text`` (plain words, inline math
and code), ``Display`` (rows of aligned equations, already broken into lines), ``Table`` and
``Heading``.  Everything inside is a pre-printed string, so the Jinja templates only lay
them out (cf. SymForce: templates never see a SymPy object).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .latex import break_terms, pdflatex_unicode, visible, visual_width

#: Width of a display line, in average math characters (A4, 11 pt, 2.2 cm margins).
LINE_WIDTH = 72
#: The space ``align`` leaves between two column pairs, in the same characters.
GRID_GAP = 10


@dataclass(frozen=True)
class Math:
    """Inline math (LaTeX)."""

    tex: str


@dataclass(frozen=True)
class Code:
    """A name shown verbatim (a network or file name)."""

    text: str


@dataclass
class Text:
    kind = "text"
    parts: list  # str | Math | Code

    def render(self, target: str) -> str:
        return "".join(_render_part(p, target) for p in self.parts)


@dataclass
class Heading:
    kind = "heading"
    parts: list

    def render(self, target: str) -> str:
        return Text(self.parts).render(target)


@dataclass
class Row:
    """``lhs = s1 = s2 ...``; a segment is a list of groups of (operator, term) items."""

    lhs: str
    segments: list[list[list[tuple[str, str]]]]
    tag: str = ""
    relation: str = "="

    def lines(self, width: float = LINE_WIDTH) -> list[tuple[str, str]]:
        """(left, right) pairs for an ``align``: the whole row on one line when it fits, else
        ``lhs = s1`` / ``= s2`` / ``\\quad + ...`` (the lhs on the first line only)."""
        room = max(width - visual_width(self.lhs), width / 2)
        relations = [self.relation] + ["="] * (len(self.segments) - 1)
        joined = [f"{rel} {break_terms([i for g in seg for i in g], float('inf'))[0]}"
                  for rel, seg in zip(relations, self.segments)]
        if visual_width(" ".join(joined)) <= room:
            return [(self.lhs, " ".join(joined))]
        out: list[tuple[str, str]] = []
        for rel, segment, whole in zip(relations, self.segments, joined):
            if out and visual_width(f"{out[-1][1]} {whole}") <= 0.95 * room:
                out[-1] = (out[-1][0], f"{out[-1][1]} {whole}")     # short segments share
                continue
            for i, line in enumerate(break_lines(segment, room)):
                right = f"{rel} {line}" if i == 0 else rf"\quad {line}"
                out.append((self.lhs if not out else "", right))
        return out


@dataclass
class Display:
    kind = "display"
    rows: list[Row]
    numbered: bool = False


@dataclass
class Grid:
    """Short equations side by side, as many to a line as fit (the local derivatives); each
    group starts a new line; an equation too long for a column gets a line to itself."""

    kind = "display"
    groups: list[list[Row]]
    numbered = False
    max_columns: int = 4

    def lines(self, width: float = LINE_WIDTH) -> list[list[tuple[str, str]]]:
        """Per display row, its (left, right) lines; cells after the first of a row are folded
        into ``right`` after ``&`` (an ``align`` with several column pairs)."""
        cells = [row for group in self.groups for row in group]
        gap = GRID_GAP
        fitting = [row_width(r) + gap for r in cells if row_width(r) + gap <= width / 2]
        columns = max(1, min(self.max_columns, int(width // max(fitting, default=width))))
        out, line = [], []
        for group in self.groups:
            if len(line) + len(group) > columns:     # a group shares a line only when whole
                out += [_packed(line)] if line else []
                line = []
            for row in group:
                if row_width(row) + gap > width / columns:
                    out += [_packed(line)] if line else []
                    out.append(row.lines(width))
                    line = []
                    continue
                line.append(row)
                if len(line) == columns:
                    out.append(_packed(line))
                    line = []
        return out + ([_packed(line)] if line else [])


def side_by_side(groups: list[list[Row]], max_columns: int = 4, keep_order: bool = False,
                 width: float = LINE_WIDTH) -> list:
    """Blocks for ``groups`` of rows: a ``Grid`` of the rows short enough to stand two or more
    to a line, then a ``Display`` of the others (an ``align`` shares its column widths between
    all its lines, so a long row among short ones would push them off the page).  With
    ``keep_order``, one ``Display`` of all rows as soon as one is long."""
    rows = [r for g in groups for r in g]
    fits = {id(r): row_width(r) + GRID_GAP <= width / 2 for r in rows}
    if sum(fits.values()) < 2 or (keep_order and not all(fits.values())):
        return [Display(rows)]
    short = [g for g in ([r for r in g if fits[id(r)]] for g in groups) if g]
    long = [r for r in rows if not fits[id(r)]]
    return [Grid(short, max_columns)] + ([Display(long)] if long else [])


def row_width(row: Row) -> float:
    """Printed width of ``row`` on one line."""
    left, right = row.lines(float("inf"))[0]
    return visual_width(left) + visual_width(right)


def _packed(rows: list[Row]) -> list[tuple[str, str]]:
    """Rows that fit on one line as one (left, right) pair: ``a &= b & c &= d``."""
    pairs = [r.lines(float("inf"))[0] for r in rows]
    right = pairs[0][1] + "".join(rf" & {left} &{rhs}" for left, rhs in pairs[1:])
    return [(pairs[0][0], right)]


@dataclass
class Table:
    kind = "table"
    header: list  # of part lists
    rows: list    # of lists of part lists
    align: str = ""     # l, r, or L: left-aligned, wrapped at 0.3 of the line width


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)


def break_lines(groups: list[list[tuple[str, str]]], width: float) -> list[str]:
    """One line when everything fits; else each group (e.g. one path of a sum over paths)
    starts a new line and is itself broken between its items."""
    items = [item for group in groups for item in group]
    whole = break_terms(items, float("inf"))[0]
    if visual_width(whole) <= width or len(groups) == 1:
        return [whole] if visual_width(whole) <= width else break_terms(items, width)
    lines: list[str] = []
    for k, group in enumerate(groups):
        lines += break_terms(group, width, lead=k > 0)
    return lines


# -- text pieces ---------------------------------------------------------------------------
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}", "δ": r"$\delta$", "η": r"$\eta$", "σ": r"$\sigma$",
                "∂": r"$\partial$", "←": r"$\leftarrow$", "→": r"$\to$", "·": r"$\cdot$",
                "−": r"$-$", "…": r"\dots{}"}
_MD_SPECIAL = set("\\`*_[]<>|#$")


def tex_escape(text: str) -> str:
    """``text`` as LaTeX text: every special character escaped, unprintable characters shown
    as escapes (``\\n``), non-ASCII characters pdflatex cannot set rewritten."""
    return pdflatex_unicode("".join(_TEX_SPECIAL.get(c, c) for c in visible(text)))


def tex_code(text: str) -> str:
    """``text`` for ``\\texttt{...}``: as ``tex_escape``, with the typewriter font's own
    underscore (``\\_`` is a drawn rule that copies from the PDF as a space) and straight
    quotes (a bare ` and ' print as curly quotes).  It contains no ``_``."""
    return (tex_escape(text).replace(r"\_", r"\char95{}")
            .replace("`", r"\textasciigrave{}").replace("'", r"\textquotesingle{}"))


def md_escape(text: str) -> str:
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in visible(text))


def md_code(text: str) -> str:
    """``text`` as a Markdown code span: a fence of more backticks than any run inside, padded
    with a space when the text starts or ends with a backtick or a space."""
    text = visible(text) or " "
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def tex_title(name: str) -> str:
    """``name`` for ``\\texttt{...}`` in the document title (the templates' own escaping of
    ``_`` there finds none left)."""
    return tex_code(name)


def md_title(name: str) -> str:
    """``name`` for the templates' title `` `...` ``: a code span without its outer backticks."""
    return md_code(name)[1:-1]


_SHELL_PLAIN = re.compile(r"[\w@%+=:,./-]+")


def shell_word(text: str) -> str:
    """``text`` as one shell word: bare when it is plain (``seed-121``, ``x=1,w=0.5``), else
    in single quotes, else (quotes, backslashes, ``>``, unprintable characters) as a
    ``$'...'`` string with escapes: always one line, never ``-->``."""
    if _SHELL_PLAIN.fullmatch(text):
        return text
    if text and text.isprintable() and not set(text) & set("'\\>"):
        return f"'{text}'"
    escapes = {"\\": "\\\\", "'": "\\'", ">": "\\x3e"}
    return "$'" + "".join(escapes.get(c) or visible(c) for c in text) + "'"


#: Longest line of a header comment; a longer command (a point with thousands of values)
#: continues on further comment lines (Graphviz silently draws nothing when a comment line
#: reaches 16,384 bytes; pdflatex stops at lines of 200,000).
COMMENT_WIDTH = 1000


def comment_text(command: str, target: str, width: int = COMMENT_WIDTH) -> str:
    """``command`` to put inside a header comment of a ``target`` file ('tex', 'md', 'dot'):
    unprintable characters shown as escapes, ``-->`` broken in Markdown, and lines of at most
    ``width`` characters, each continuation starting with the comment marker."""
    text = visible(command)
    if target == "md":
        text = re.sub(r"--(!?)>", r"--\1\\x3e", text)
    lines = []
    while len(text) > width:
        cut = max(text.rfind(",", 0, width), text.rfind(" ", 0, width))
        cut = cut + 1 if cut > 0 else width
        lines.append(text[:cut])
        text = text[cut:]
    lines.append(text)
    marker = {"tex": "% ", "md": "", "dot": "// "}[target]
    return ("\n" + marker).join(lines)


def _render_part(part, target: str) -> str:
    if isinstance(part, Math):
        return f"${pdflatex_unicode(part.tex) if target == 'tex' else part.tex}$"
    if isinstance(part, Code):
        if target == "tex":
            return r"\texttt{%s}" % tex_code(part.text)
        return md_code(part.text)
    return tex_escape(part) if target == "tex" else md_escape(part)


def render_blocks(sections: list[Section], target: str) -> list[dict]:
    """Sections as plain dicts of strings for the templates (``target``: 'tex' or 'md')."""
    return [{"title": tex_escape(s.title) if target == "tex" else s.title,
             "blocks": [_render_block(b, target) for b in s.blocks]} for s in sections]


def _render_block(block, target: str) -> dict:
    if isinstance(block, (Text, Heading)):
        return {"kind": block.kind, "text": block.render(target)}
    if isinstance(block, (Display, Grid)):
        math = pdflatex_unicode if target == "tex" else (lambda tex: tex)
        lines = ([row.lines() for row in block.rows] if isinstance(block, Display)
                 else block.lines())
        tags = [row.tag for row in block.rows] if isinstance(block, Display) else []
        rows = [{"lines": [{"left": math(left), "right": math(right)} for left, right in pairs],
                 "tag": tags[i] if tags else ""} for i, pairs in enumerate(lines)]
        return {"kind": "display", "numbered": block.numbered, "rows": rows}
    cells = lambda parts: Text(parts).render(target)  # noqa: E731
    align = block.align or "l" * len(block.header)
    if target == "tex":         # L: a column whose lists of names wrap
        align = align.replace("L", r">{\raggedright\arraybackslash}p{0.3\linewidth}")
    return {"kind": "table", "header": [cells(h) for h in block.header],
            "rows": [[cells(c) for c in r] for r in block.rows], "align": align}
