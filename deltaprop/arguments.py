"""Checked option types: a value out of range is refused by argparse in one line, exit 2."""
from __future__ import annotations

import argparse
import math

#: Largest seed NumPy's generators accept as one 32-bit word (negative seeds are refused).
MAX_SEED = 2**32 - 1


def integer(low: int, high: int):
    """An argparse type: an integer from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {value:,}")
        return value
    return parse


def number(low: float = -math.inf, high: float = math.inf, low_open: bool = False,
           high_open: bool = False):
    """An argparse type: a finite float in the interval from ``low`` to ``high``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if not math.isfinite(value) or too_low or too_high:
            where = _interval(low, high, low_open, high_open)
            raise argparse.ArgumentTypeError(f"must be a finite number{where}, got {text}")
        return value
    return parse


def _interval(low, high, low_open, high_open) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f" {'>' if low_open else '>='} {low:g}"
    if math.isinf(low):
        return f" {'<' if high_open else '<='} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def seed() -> callable:
    """An argparse type for random seeds."""
    return integer(0, MAX_SEED)
