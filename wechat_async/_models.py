"""Building blocks for attrs models: wire-aware fields, the Response base, time helpers."""

from __future__ import annotations

import datetime as _dt
import mimetypes
import os
import pathlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import attrs

__all__ = [
    "EmptyRequest",
    "EmptyResponse",
    "OpenValues",
    "Response",
    "Upload",
    "datetime_to_unix",
    "meta",
    "unix_to_datetime",
]

T = TypeVar("T")

#: ``extra`` of a response with no unknown keys: one shared read-only mapping, not a dict per
#: object (an order page would allocate hundreds of empty dicts for the GC to scan).
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})

#: metadata keys read by the converter and the request checker
WIRE = "wechat_wire"
ALIASES = "wechat_aliases"
CHECK = "wechat_check"

Check = Callable[[Any], "str | None"]


def meta(
    *,
    wire: str | None = None,
    aliases: Sequence[str] = (),
    check: Check | Iterable[Check] | None = None,
) -> dict[str, Any]:
    """Field metadata for the converter: wire name, accepted alternate names, value checks.

    Used as ``attrs.field(metadata=meta(...))`` so mypy's attrs plugin still sees which fields
    are required. ``check`` functions return an error message or None; all of them run before a
    request is sent, so one error names every bad field.

    >>> attrs.field(default=None, metadata=meta(check=between(1, 100)))  # doctest: +SKIP
    """
    metadata: dict[str, Any] = {}
    if wire is not None:
        metadata[WIRE] = wire
    if aliases:
        metadata[ALIASES] = tuple(aliases)
    if check is not None:
        metadata[CHECK] = (check,) if callable(check) else tuple(check)
    return metadata


class OpenValues:
    """Mixin for an enum of values WeChat may add to (statuses, carriers, control types): a
    value outside the members still parses, as a member named after it (``UNKNOWN_<n>`` for
    numbers), equal to the value and written back unchanged, so a new value never fails a
    reply nor is lost.

    >>> class Color(OpenValues, str, enum.Enum):  # doctest: +SKIP
    ...     RED = "RED"
    >>> Color("TEAL").value  # doctest: +SKIP
    'TEAL'
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        base: Any = cls._member_type_  # type: ignore[attr-defined]
        if isinstance(value, bool) or not isinstance(value, base):
            return None
        member: Any = base.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}" if isinstance(value, int) else str(value)
        member._value_ = value
        return member


@attrs.define(kw_only=True)
class Response:
    """Base of every response model. Keys WeChat added that the model does not know yet are
    kept in ``extra`` instead of being dropped."""

    extra: Mapping[str, Any] = attrs.field(default=_NO_EXTRA, repr=False, eq=False)


@attrs.define(kw_only=True)
class EmptyRequest:
    """The ``{}`` body of a call that sends no fields."""


@attrs.define(kw_only=True)
class EmptyResponse(Response):
    """A response that carries nothing but success (``{"errcode": 0, "errmsg": "ok"}``)."""


@attrs.frozen
class Upload:
    """A file sent as a multipart part (e.g. ``giftcard.upload_image(buffer=...)``).

    >>> Upload.from_path("logo.png")  # doctest: +SKIP
    """

    # Checked here, where the mistake is made: a part of the wrong type could otherwise only
    # fail deep inside the request's encoding.
    content: bytes = attrs.field(
        validator=attrs.validators.instance_of(bytes), repr=lambda b: f"<{len(b)} bytes>"
    )
    filename: str = attrs.field(default="upload.jpg", validator=attrs.validators.instance_of(str))
    content_type: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str))
    )

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Upload:
        file = pathlib.Path(path)
        return cls(content=file.read_bytes(), filename=file.name)

    def as_part(self) -> tuple[str, bytes, str]:
        guessed = mimetypes.guess_type(self.filename)[0]
        return (
            self.filename,
            self.content,
            self.content_type or guessed or "application/octet-stream",
        )


def unix_to_datetime(ts: int) -> _dt.datetime:
    """Unix seconds to an aware UTC datetime.

    >>> unix_to_datetime(0).isoformat()
    '1970-01-01T00:00:00+00:00'
    """
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


def datetime_to_unix(value: _dt.datetime) -> int:
    """An aware datetime to Unix seconds; naive datetimes are refused (their zone is a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (WeChat times are Unix seconds)")
    return int(value.timestamp())
