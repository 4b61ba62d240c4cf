"""The one HTTP path into a CallbackRouter, shared by ``CallbackApp`` and every framework
adapter: the body cap, the query string, the headers, and the 413 for a body over the cap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl

from ._parse import MAX_BODY
from ._replies import CallbackReply, text_reply
from ._router import CallbackRouter

__all__ = ["MAX_BODY", "TOO_LARGE", "answer", "declared_over"]

#: The reply to a body over the cap, before or after reading it.
TOO_LARGE = text_reply(413, "push too large")


def declared_over(content_length: str | None, max_body: int) -> bool:
    """Whether the request's Content-Length is over ``max_body``: such a push is refused
    before its body is read, so a 10 MB body never reaches memory."""
    value = content_length or ""
    return value.isascii() and value.isdigit() and int(value) > max_body


async def answer(
    router: CallbackRouter,
    method: str,
    query_string: str | bytes,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | None,
) -> CallbackReply:
    """The router's reply to one request; ``body`` is None when it was over the cap."""
    if body is None:
        return TOO_LARGE
    raw = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    pairs = headers.items() if isinstance(headers, (dict, Mapping)) else headers
    return await router.handle(
        method, _query(raw), body, {name.lower(): value for name, value in pairs}
    )


def _query(raw: str) -> dict[str, str]:
    """The query as ``dict(parse_qsl(raw))`` reads it (blank values dropped, the last of a
    repeated name kept); WeChat's, with nothing escaped, by splitting alone."""
    if "%" in raw or "+" in raw:
        return dict(parse_qsl(raw))
    query = {}
    for pair in raw.split("&"):
        name, _, value = pair.partition("=")
        if value:
            query[name] = value
    return query
