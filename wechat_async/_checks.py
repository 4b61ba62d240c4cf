"""Reusable value checks for request fields (see ``_models.field(check=...)``).

Each returns a function that answers an error message, or None when the value is fine.
None values are skipped: optional fields are checked only when set.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sized
from decimal import Decimal
from typing import Any

from ._models import Check

__all__ = ["between", "matches", "max_bytes", "max_items", "max_len", "min_len", "one_of"]


def max_len(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value) > limit:
            return f"at most {limit} characters, got {len(value)}"
        return None

    return check


def min_len(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value) < limit:
            return "must not be empty" if limit == 1 else f"at least {limit} long, got {len(value)}"
        return None

    return check


def max_bytes(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value.encode("utf-8")) > limit:
            return f"at most {limit} bytes of UTF-8, got {len(value.encode('utf-8'))}"
        return None

    return check


def max_items(limit: int) -> Check:
    def check(value: Sized | None) -> str | None:
        if value is not None and len(value) > limit:
            return f"at most {limit} items, got {len(value)}"
        return None

    return check


def between(
    low: float | Decimal | None = None,
    high: float | Decimal | None = None,
    *,
    low_open: bool = False,
) -> Check:
    """``between(0, 5000, low_open=True)`` accepts the interval (0, 5000]."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if low is not None and (value <= low if low_open else value < low):
            return f"must be {'>' if low_open else '>='} {low}, got {value}"
        if high is not None and value > high:
            return f"must be <= {high}, got {value}"
        return None

    return check


def one_of(choices: Collection[Any]) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and value not in choices:
            return f"must be one of {sorted(choices, key=str)}, got {value!r}"
        return None

    return check


def matches(pattern: str, description: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        if value is not None and not compiled.fullmatch(value):
            return f"must be {description}, got {value!r}"
        return None

    return check
