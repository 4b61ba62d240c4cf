"""Offset-paged reads (``_paging``): a page after its range's first is sent from a template,
byte for byte what the endpoint's own call sends; whatever the template's checks doubt goes
the full path, which refuses or sends it as the call does; ``iter_orders`` pages
``batch_get_orders`` by the endpoint's ``OffsetPaging``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from tests.helpers import client_for, mock_token
from wechat_async import WeChatError
from wechat_async._paging import OffsetPager
from wechat_async.giftcard import GiftCardNamespace, _sync

BATCH_URL = r".*/card/giftcard/order/batchget.*"
FIELDS: dict[str, Any] = {
    "begin_time": 1_700_000_000,
    "end_time": 1_700_086_400,
    "sort_type": "DESC",
}
TOTAL = 250


def _recording(router: respx.Router) -> list[bytes]:
    """batchget answered with up to three orders named by their offsets; the bodies kept."""
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        body = json.loads(request.content)
        orders = [{"order_id": f"o{body['offset'] + i}"} for i in range(min(body["count"], 3))]
        return httpx.Response(
            200, json={"errcode": 0, "errmsg": "ok", "total_count": TOTAL, "order_list": orders}
        )

    router.post(url__regex=BATCH_URL).mock(side_effect=answer)
    return bodies


async def test_pages_after_the_first_send_what_the_endpoints_call_sends() -> None:
    router = respx.Router()
    mock_token(router)
    bodies = _recording(router)
    pages = [(0, 100), (100, 100), (200, 50), (7, 1), (0, 100)]
    async with client_for(router) as client:
        pager = OffsetPager(client.giftcard.batch_get_orders)
        for offset, count in pages:
            page = await pager(**FIELDS, offset=offset, count=count)
            assert (page.total, page.count) == (TOTAL, min(count, 3))
            assert [o.order_id for o in page.items()] == [
                f"o{offset + i}" for i in range(min(count, 3))
            ]
        sent_by_pager = list(bodies)
        assert len(pager._templates) == 1  # one range: its later pages came from the template
        bodies.clear()
        for offset, count in pages:
            await client.giftcard.batch_get_orders(**FIELDS, offset=offset, count=count)
    assert sent_by_pager == bodies


@pytest.mark.parametrize(
    ("offset", "count"),
    [(0, 101), (0, 0), (-1, 10), (True, 10), (0, False), (1.0, 10), ("1", 10), (None, 10)],
)
async def test_an_offset_or_count_the_checks_doubt_goes_as_the_call_goes(
    offset: Any, count: Any
) -> None:
    """Refused with the call's own error (naming the field), or sent as the call sends it."""
    router = respx.Router()
    mock_token(router)
    bodies = _recording(router)

    async def outcome(send: Any) -> tuple[str, bytes | None]:
        before = len(bodies)
        try:
            await send(**FIELDS, offset=offset, count=count)
        except WeChatError as exc:
            return f"{type(exc).__name__}: {exc}", None
        return "sent", bodies[before]

    async with client_for(router) as client:
        pager = OffsetPager(client.giftcard.batch_get_orders)
        await pager(**FIELDS, offset=0, count=10)  # the range's template
        by_pager = await outcome(pager)
        by_call = await outcome(client.giftcard.batch_get_orders)
    assert by_pager == by_call
    if by_call[1] is None:
        assert "offset" in by_call[0] or "count" in by_call[0]


async def test_a_later_range_gets_a_template_of_its_own() -> None:
    router = respx.Router()
    mock_token(router)
    bodies = _recording(router)
    other = {**FIELDS, "begin_time": FIELDS["begin_time"] + 1, "sort_type": "ASC"}
    async with client_for(router) as client:
        pager = OffsetPager(client.giftcard.batch_get_orders)
        for fields in (FIELDS, other, FIELDS, other):
            await pager(**fields, offset=100, count=100)
    assert [json.loads(b)["begin_time"] for b in bodies] == [
        FIELDS["begin_time"],
        other["begin_time"],
    ] * 2
    assert [json.loads(b)["sort_type"] for b in bodies] == ["DESC", "ASC"] * 2
    assert len(pager._templates) == 2


def test_iter_orders_pages_batch_get_orders_by_its_offset_paging() -> None:
    endpoint = GiftCardNamespace.batch_get_orders
    assert endpoint.paging is not None
    assert _sync._PAGING is endpoint.paging
    assert endpoint.path == _sync._BATCHGET
    assert endpoint.paging.max_count == _sync._MAX_PAGE


def test_an_endpoint_without_paging_is_refused() -> None:
    class Bound:
        def __init__(self) -> None:  # on the instance: an Endpoint on a class binds itself
            self._endpoint = GiftCardNamespace.get_order

    with pytest.raises(TypeError, match="not offset-paged"):
        OffsetPager(Bound())  # type: ignore[arg-type]


def test_every_paged_endpoint_names_attributes_its_models_have() -> None:
    import attrs

    from wechat_async._registry import endpoints

    paged = [e for e in endpoints() if e.paging is not None]
    assert {e.name for e in paged} >= {"batch_get_orders", "get_authorizer_list"}
    for e in paged:
        assert e.paging is not None
        response, request = attrs.fields_dict(e.response), attrs.fields_dict(e.request)
        assert {e.paging.items, e.paging.total} <= set(response), e
        assert {e.paging.offset, e.paging.count} <= set(request), e
