"""The JSON codec: bodies in (orjson when installed) and out (as WeChat wants them)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

__all__ = ["LoneSurrogateError", "dumps", "loads"]


class LoneSurrogateError(ValueError):
    """A JSON body decoded to a string that is not Unicode text."""


_orjson_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # the ``fast`` extra is optional
    _orjson_loads = None

#: ``\uD800``-``\uDFFF``: half of an escaped pair, or a lone surrogate json.loads would keep.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def loads(content: bytes) -> Any:
    """Parse a JSON body: orjson when installed (twice as fast on order pages), the standard
    library for whatever orjson refuses (NaN, other encodings), so both accept and refuse the
    same bodies. One difference remains: orjson reads an integer beyond 64 bits as a float.
    WeChat sends none (its long ids are strings), and a model's ``int`` field refuses a float,
    so it can only show in ``extra`` or a raw response."""
    if _orjson_loads is not None:
        try:
            return _orjson_loads(content)
        except ValueError:
            pass
    data = json.loads(content)
    if _SURROGATE_ESCAPE.search(content):
        _refuse_lone_surrogates(data)
    return data


def _refuse_lone_surrogates(data: Any) -> None:
    """A reply is Unicode text: a lone surrogate (which orjson refuses and json.loads keeps)
    would break the caller's first ``encode``, far from here."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LoneSurrogateError(
            f"a string holds a lone surrogate {exc.object[exc.start]!r} (not Unicode text)"
        ) from None


def dumps(data: Any) -> bytes:
    """JSON as WeChat wants it: raw UTF-8 (escaped ``\\uXXXX`` Chinese is rejected), compact,
    Decimal money written as a plain number."""
    return json.dumps(
        data, ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False
    ).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _json_number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_number(value: Decimal) -> float | int:
    # JSON has one number type. A Decimal of up to 15 significant digits survives float()
    # exactly as text, since float repr is the shortest round-tripping form.
    if value == value.to_integral_value():
        return int(value)
    if len(value.as_tuple().digits) > 15:
        raise ValueError(f"{value} has more than 15 significant digits")
    return float(value)
