"""Counts in words: ``1 path product``, ``2 path products`` (for messages and reports)."""
from __future__ import annotations


def noun(count: int, singular: str, many: str | None = None) -> str:
    """``singular`` if ``count`` is 1, else the plural (``many``, default ``singular + "s"``)."""
    return singular if count == 1 else (many or singular + "s")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``count`` with thousands separators and its noun: ``plural(1, "epoch")`` is ``1 epoch``,
    ``plural(1200, "epoch")`` is ``1,200 epochs``."""
    return f"{count:,} {noun(count, singular, many)}"
