"""Offset-paged reads (``Endpoint(paging=OffsetPaging(...))``): the page after page that
``iter_orders`` reads, without redoing per page what only the first page of a range needs.

A page's request differs from the range's first only in its offset and count: the full path
(``build_payload``: types, every field's checks) checks the first, its body becomes a template,
and each later page checks just its offset and count (those fields' own checks and the model's
cross-field checks, as the full path would run them) before they are filled in. Anything else
(a value those checks refuse, a namespace that computes fields, a body that is not JSON) goes
the full path, which names the bad field. A reply's total is read at once; its items are
built when first asked for, so pages waiting in a queue hold no models for the garbage
collector to scan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from ._convert import request_converter
from ._endpoint import Endpoint, Namespace, OffsetPaging
from ._models import wire_name
from ._reply import Body, as_json, parse_response
from ._request import EncodedRequest, build_payload, encode
from ._typed import TypedBody
from ._validation import _field_checks

if TYPE_CHECKING:
    from ._client import WeChatClient
    from ._endpoint import BoundEndpoint

__all__ = ["OffsetPager", "Page"]

T = TypeVar("T")

#: Stand-ins for the offset and count while the template is encoded (each found once, or no
#: template is made).
_OFFSET, _COUNT = 7_311_946_205_837_019, 6_907_354_118_420_731
#: Templates kept per pager (a sync reads one 31-day window after another).
_MAX_TEMPLATES = 64


class Page(Generic[T]):
    """One page of an offset-paged endpoint: its ``total`` and how many items it holds
    (``count``) at once, its items built on the first ``items()``."""

    __slots__ = ("_body", "_endpoint", "_field", "_items", "count", "total")

    def __init__(self, total: int, count: int, items: list[T] | None) -> None:
        self.total = total
        self.count = count
        self._items = items
        self._body: TypedBody | None = None
        self._endpoint: Endpoint[Any, Any, Any] | None = None
        self._field = ""

    @classmethod
    def of(cls, response: Any, paging: OffsetPaging) -> Page[Any]:
        """The page of a response model already built."""
        items = getattr(response, paging.items)
        return cls(getattr(response, paging.total), len(items), items)

    @classmethod
    def read(cls, endpoint: Endpoint[Any, Any, Any], data: Body) -> Page[Any]:
        """The page of a successful reply (``read_reply``'s body)."""
        paging = endpoint.paging
        assert paging is not None
        if isinstance(data, TypedBody) and paging.total in data.model.plain_fields:
            page: Page[Any] = cls(data.field(paging.total), data.count(paging.items), None)
            page._body, page._endpoint, page._field = data, endpoint, paging.items
            return page
        return cls.of(parse_response(endpoint, data), paging)

    def items(self) -> list[T]:
        """The items, built now if they were not yet; a value the model refuses raises
        ``ResponseValidationError`` naming it, as the endpoint's call would."""
        if self._items is None:
            body, endpoint = self._body, self._endpoint
            assert body is not None
            assert endpoint is not None
            try:
                self._items = body.items(self._field)
            except ValueError:  # a hook refused a value: the converter names it
                self._items = getattr(
                    parse_response(endpoint, as_json(endpoint, body)), self._field
                )
            self._body = None
        return self._items


class OffsetPager:
    """``await pager(**fields)``: one page of a bound endpoint with ``OffsetPaging``, as a
    ``Page``; the fields are the request model's, as the endpoint's call takes them."""

    def __init__(self, bound: BoundEndpoint[Any, Any, Any]) -> None:
        endpoint: Endpoint[Any, Any, Any] = bound._endpoint
        if endpoint.paging is None:
            raise TypeError(f"{endpoint!r} is not offset-paged")
        self.endpoint = endpoint
        self.paging: OffsetPaging = endpoint.paging
        self._namespace: Namespace = bound._namespace
        self._client: WeChatClient = self._namespace._client
        self._templates: dict[tuple[tuple[str, Any], ...], _Template | None] = {}

    async def __call__(self, **fields: Any) -> Page[Any]:
        paging, endpoint = self.paging, self.endpoint
        offset, count = fields.get(paging.offset), fields.get(paging.count)
        encoded = None
        try:
            key = tuple(
                sorted(f for f in fields.items() if f[0] not in (paging.offset, paging.count))
            )
            template = self._templates.get(key, _UNSEEN)
        except TypeError:  # a value that is not hashable: the full path
            key, template = (), None
        if template is _UNSEEN:
            # The range's first page: the full path checks it, and makes the template.
            payload = build_payload(endpoint, self._namespace, (), fields)
            encoded = encode(endpoint, payload)
            if len(self._templates) >= _MAX_TEMPLATES:
                self._templates.clear()
            self._templates[key] = _Template.make(endpoint, self._namespace, payload, encoded)
        elif template is not None:
            encoded = template.fill(offset, count)
        if encoded is None:
            encoded = encode(endpoint, build_payload(endpoint, self._namespace, (), fields))
        _, data = await self._client._send_encoded(endpoint, encoded)
        return Page.read(endpoint, data)


class _Template:
    """A page's request with its offset and count to fill in, and their checks."""

    __slots__ = ("_checks", "_encoded", "_format", "_names", "_offset_first", "_probe")

    def __init__(
        self,
        encoded: EncodedRequest,
        body_format: bytes,
        offset_first: bool,
        names: tuple[str, str],
        checks: tuple[tuple[Callable[[Any], str | None], ...], ...],
        probe: Any,
    ) -> None:
        self._encoded = encoded
        self._format = body_format
        self._offset_first = offset_first
        self._names = names
        self._checks = checks
        self._probe = probe

    @classmethod
    def make(
        cls,
        endpoint: Endpoint[Any, Any, Any],
        namespace: Namespace,
        payload: dict[str, Any],
        encoded: EncodedRequest,
    ) -> _Template | None:
        """The template of a request the full path checked (None: every page goes that way)."""
        paging, request = endpoint.paging, endpoint.request
        assert paging is not None
        if (
            endpoint.body != "json"
            or type(namespace)._prepare is not Namespace._prepare  # it computes fields
            or encoded.content is None
        ):
            return None
        fields = attrs.fields_dict(request)
        names = (paging.offset, paging.count)
        if any(name not in fields or fields[name].type not in (int, "int") for name in names):
            return None
        wire = dict(payload)
        wire_names = [wire_name(fields[n]) for n in names]
        if any(w not in wire for w in wire_names):
            return None
        wire[wire_names[0]], wire[wire_names[1]] = _OFFSET, _COUNT
        body = encode(endpoint, wire).content
        assert body is not None
        escaped = body.replace(b"%", b"%%")
        marks = (str(_OFFSET).encode(), str(_COUNT).encode())
        if any(escaped.count(mark) != 1 for mark in marks):
            return None
        offset_first = escaped.index(marks[0]) < escaped.index(marks[1])
        body_format = escaped.replace(marks[0], b"%d").replace(marks[1], b"%d")
        checks = tuple(_field_checks(fields[name]) for name in names)
        probe = None
        if hasattr(request, "_check_fields"):
            probe = request_converter.structure(payload, request)
        return cls(encoded, body_format, offset_first, names, checks, probe)

    def fill(self, offset: Any, count: Any) -> EncodedRequest | None:
        """The page's request, or None when its offset or count is not one the full path
        would send as is (that path then names it)."""
        if offset.__class__ is not int or count.__class__ is not int:
            return None
        try:
            for checks, value in zip(self._checks, (offset, count), strict=True):
                for check in checks:
                    if check(value):
                        return None
            probe = self._probe
            if probe is not None:
                setattr(probe, self._names[0], offset)
                setattr(probe, self._names[1], count)
                if probe._check_fields():
                    return None
        except Exception:  # a check that fails to run: the full path reports it
            return None
        values = (offset, count) if self._offset_first else (count, offset)
        encoded = self._encoded
        return EncodedRequest(encoded.query, self._format % values, encoded.headers)


_UNSEEN: Any = object()
