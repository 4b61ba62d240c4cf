"""Reusable value checks for request fields, declared as ``attrs.field(metadata=meta(check=
...))`` and run by ``_validation`` before a request is sent.

Each returns a function that answers an error message, or None when the value is fine.
None values are skipped: optional fields are checked only when set. Each also carries its
``rule`` in words, which the endpoint reference shows beside the field (``rule_of``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sized
from decimal import Decimal
from typing import Any

from ._models import Check

__all__ = [
    "INT32",
    "Bounded",
    "between",
    "matches",
    "max_bytes",
    "max_decimal_places",
    "max_items",
    "max_json_len",
    "max_len",
    "min_len",
    "one_of",
    "rule_of",
    "unix_time",
    "with_rule",
]


def with_rule(check: Check, rule: str) -> Check:
    """``check``, stating what it accepts in words (the reference shows it)."""
    check.rule = rule  # type: ignore[attr-defined]
    return check


def rule_of(check: Check) -> str:
    """What a check accepts, in words (``at most 20 characters``); a check made without a
    rule is named by its function (``two_places``)."""
    rule = getattr(check, "rule", None)
    if isinstance(rule, str):
        return rule
    name = getattr(check, "__qualname__", type(check).__qualname__)
    return name.split(".<locals>")[0] if name.endswith(".<locals>.check") else name.split(".")[-1]


def max_len(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value) > limit:
            return f"at most {limit} characters, got {len(value)}"
        return None

    return with_rule(check, f"at most {limit} characters")


def min_len(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value) < limit:
            return "must not be empty" if limit == 1 else f"at least {limit} long, got {len(value)}"
        return None

    return with_rule(check, "not empty" if limit == 1 else f"at least {limit} long")


def max_bytes(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if value is not None and len(value.encode("utf-8")) > limit:
            return f"at most {limit} bytes of UTF-8, got {len(value.encode('utf-8'))}"
        return None

    return with_rule(check, f"at most {limit} bytes of UTF-8")


def max_json_len(limit: int) -> Check:
    """A nested structure's length in characters as it is sent: compact JSON, raw UTF-8."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        # Imported on first use: models import this module, and stay below the converter.
        from ._convert import converter
        from ._json import dumps

        length = len(dumps(converter.unstructure(value)).decode("utf-8"))
        if length > limit:
            return f"at most {limit} characters as JSON, got {length}"
        return None

    return with_rule(check, f"at most {limit} characters as JSON")


def max_decimal_places(places: int) -> Check:
    """A ``Decimal`` with at most ``places`` digits after the point (money in yuan: fen)."""
    quantum = Decimal(1).scaleb(-places)

    def check(value: Decimal | None) -> str | None:
        if value is not None and value != value.quantize(quantum):
            return f"at most {places} decimal places, got {value}"
        return None

    return with_rule(check, f"at most {places} decimal places")


def max_items(limit: int) -> Check:
    def check(value: Sized | None) -> str | None:
        if value is not None and len(value) > limit:
            return f"at most {limit} items, got {len(value)}"
        return None

    return with_rule(check, f"at most {limit} items")


class Bounded:
    """A check that bounds a number's values: a field with one (``between`` with an upper
    limit, ``one_of``) is not held to the default 32-bit range of ``check_request``."""

    #: the largest value the check lets through (None: no upper limit)
    high: Any = None

    def __call__(self, value: Any) -> str | None:
        raise NotImplementedError


class _Between(Bounded):
    def __init__(
        self, low: Any, high: Any, *, low_open: bool = False, unit: str | None = None
    ) -> None:
        self.low = low
        self.high = high
        self.low_open = low_open
        self.suffix = f" ({unit})" if unit else ""

    @property
    def rule(self) -> str:
        low, high = self.low, self.high
        if low is not None and high is not None:
            bounds = f"in {'(' if self.low_open else '['}{low}, {high}]"
        elif low is not None:
            bounds = f"{'>' if self.low_open else '>='} {low}"
        else:
            bounds = f"<= {high}"
        return bounds + self.suffix

    def __call__(self, value: Any) -> str | None:
        if value is None:
            return None
        low, high = self.low, self.high
        if low is not None and (value <= low if self.low_open else value < low):
            return f"must be {'>' if self.low_open else '>='} {low}{self.suffix}, got {value}"
        if high is not None and value > high:
            return f"must be <= {high}{self.suffix}, got {value}"
        return None


class _OneOf(Bounded):
    def __init__(self, choices: Collection[Any]) -> None:
        self.choices = choices
        self.high = max((c for c in choices if isinstance(c, int)), default=None)

    @property
    def rule(self) -> str:
        return "one of " + ", ".join(repr(c) for c in sorted(self.choices, key=str))

    def __call__(self, value: Any) -> str | None:
        if value is not None and value not in self.choices:
            return f"must be one of {sorted(self.choices, key=str)}, got {value!r}"
        return None


def between(
    low: float | Decimal | None = None,
    high: float | Decimal | None = None,
    *,
    low_open: bool = False,
) -> Check:
    """``between(0, 5000, low_open=True)`` accepts the interval (0, 5000]."""
    return _Between(low, high, low_open=low_open)


#: Unix seconds as WeChat stores them: an unsigned 32-bit integer.
_UINT32_MAX = 2**32 - 1
#: What an ``int`` field of WeChat's APIs holds unless its model bounds it otherwise.
INT32 = _Between(-(2**31), 2**31 - 1, unit="a 32-bit integer")


def unix_time() -> Check:
    """A Unix time in seconds: never negative, never beyond WeChat's unsigned 32 bits."""
    return _Between(0, _UINT32_MAX, unit="Unix seconds")


def one_of(choices: Collection[Any]) -> Check:
    return _OneOf(choices)


def matches(pattern: str, description: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        if value is not None and not compiled.fullmatch(value):
            return f"must be {description}, got {value!r}"
        return None

    return with_rule(check, description)
