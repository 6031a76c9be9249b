"""Safe, distinct Python identifiers for the user's symbol names (cf. Tangent's naming module).

Any name becomes a valid identifier: ``x.1`` → ``x_1``, ``δ1`` → ``delta1``, ``lambda`` →
``lambda_``, ``1st`` → ``v1st``.  Identifiers never start with an underscore (the generated
code keeps those for its own locals), never shadow a builtin or ``np``, and two names that
sanitize alike get ``_2``, ``_3`` ... in the order they are first asked for.
"""
from __future__ import annotations

import builtins
import keyword
import unicodedata

#: Names the generated module uses itself, besides builtins and keywords.
MODULE_NAMES = ("np", "numpy", "params", "data", "PARAMS", "INPUTS", "TARGETS", "NODES", "BLOCK",
                "forward", "loss", "gradients", "gradients_naive", "MissingNameError")

RESERVED = frozenset(keyword.kwlist + keyword.softkwlist + dir(builtins) + list(MODULE_NAMES))


def identifier(name: str) -> str:
    """A valid, ASCII Python identifier that reads like ``name`` (not yet made distinct)."""
    text = "".join(_ascii(c) for c in unicodedata.normalize("NFKC", str(name)))
    if not text or not (text[0].isalpha()):
        text = "v" + text
    if text in RESERVED:
        text += "_"
    return text


def _ascii(char: str) -> str:
    if char.isascii():
        return char if (char.isalnum() or char == "_") else "_"
    if char.isalpha():  # δ → delta, Δ → Delta, é → e
        words = unicodedata.name(char, "").split()
        if len(words) >= 2 and words[-2] == "LETTER":
            word = words[-1].lower()
            return word.capitalize() if "CAPITAL" in words else word
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        if base.isalnum():
            return base
    return f"_u{ord(char):04x}_"


class Namer:
    """Hands out distinct identifiers; the same key always gets the same identifier."""

    def __init__(self, reserved=()):
        self.taken: set[str] = set(reserved)
        self.names: dict = {}

    def __call__(self, key, name: str | None = None) -> str:
        """The identifier of ``key`` (named ``name``, default ``str(key)``)."""
        if key not in self.names:
            base = identifier(str(key) if name is None else name)
            candidate, k = base, 1
            while candidate in self.taken:
                k += 1
                candidate = f"{base}_{k}"
            self.taken.add(candidate)
            self.names[key] = candidate
        return self.names[key]
