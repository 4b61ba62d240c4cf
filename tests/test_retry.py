"""The retry classification table, backoff, Retry-After, deadline and budget."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import httpx
import pytest
import respx

from tests.helpers import BASE, client_for, fast_retry, mock_token
from wechat_async import (
    CarrierError,
    DeliveryError,
    QuotaExceededError,
    RetryBudget,
    RetryPolicy,
    SystemBusyError,
    TransportError,
    WeChatError,
)
from wechat_async._endpoint import Endpoint, Namespace
from wechat_async._errcodes import classify_errcode
from wechat_async._models import EmptyResponse
from wechat_async.transports._base import Failure
from wechat_async.transports.httpx import HttpxTransport, classify_httpx


@attrs.define(kw_only=True)
class Ping:
    n: int | None = None


class RetryNamespace(Namespace):
    domain = "cityservice"  # its codes (82023...) are read in City Service's terms
    safe = Endpoint("POST", "/test/safe", Ping, EmptyResponse, idempotent=True)
    unsafe = Endpoint("POST", "/test/unsafe", Ping, EmptyResponse, idempotent=False)
    carrier = Endpoint(
        "POST",
        "/test/carrier",
        Ping,
        EmptyResponse,
        idempotent=True,
        layers=("errcode", "resultcode"),
    )


def _raise(exc: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def effect(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)  # type: ignore[call-arg]

    return effect


def _status(code: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, text="bad gateway")


def _errcode(code: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json={"errcode": code, "errmsg": "x"})


OK = httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

# (row, first response, failure class, retried when idempotent, retried when not, error raised)
TABLE = [
    ("connect error", _raise(httpx.ConnectError), Failure.NEVER_SENT, True, True, TransportError),
    (
        "connect timeout",
        _raise(httpx.ConnectTimeout),
        Failure.NEVER_SENT,
        True,
        True,
        TransportError,
    ),
    ("pool timeout", _raise(httpx.PoolTimeout), Failure.NEVER_SENT, True, True, TransportError),
    ("read timeout", _raise(httpx.ReadTimeout), Failure.AMBIGUOUS, True, False, TransportError),
    ("write timeout", _raise(httpx.WriteTimeout), Failure.AMBIGUOUS, True, False, TransportError),
    ("read error", _raise(httpx.ReadError), Failure.AMBIGUOUS, True, False, TransportError),
    (
        "protocol error",
        _raise(httpx.RemoteProtocolError),
        Failure.AMBIGUOUS,
        True,
        False,
        TransportError,
    ),
    ("HTTP 502", _status(502), Failure.AMBIGUOUS, True, False, TransportError),
    ("HTTP 503", _status(503), Failure.AMBIGUOUS, True, False, TransportError),
    ("errcode -1", _errcode(-1), Failure.AMBIGUOUS, True, False, SystemBusyError),
    ("errcode 45009 quota", _errcode(45009), Failure.FATAL, False, False, QuotaExceededError),
    ("errcode 82023 quota", _errcode(82023), Failure.FATAL, False, False, QuotaExceededError),
    ("errcode 40097 business", _errcode(40097), Failure.FATAL, False, False, WeChatError),
]


@pytest.mark.parametrize(
    ("row", "first", "failure", "retry_safe", "retry_unsafe", "error"),
    TABLE,
    ids=[row[0] for row in TABLE],
)
@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "not-idempotent"])
async def test_classification_table(
    row: str,
    first: Callable[[httpx.Request], httpx.Response],
    failure: Failure,
    retry_safe: bool,
    retry_unsafe: bool,
    error: type[Exception],
    idempotent: bool,
) -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    path = "/test/safe" if idempotent else "/test/unsafe"
    route = router.post(BASE + path).mock(side_effect=[first, OK])
    should_retry = retry_safe if idempotent else retry_unsafe
    async with client_for(router) as client:
        ns = RetryNamespace(client)
        call = ns.safe if idempotent else ns.unsafe
        if should_retry:
            assert await call(n=1) == EmptyResponse()
            assert route.call_count == 2
        else:
            with pytest.raises(error) as info:
                await call(n=1)
            assert route.call_count == 1
            applied = getattr(info.value, "may_have_been_applied", False)
            # Only an ambiguous failure on a call that was not retried may have been applied.
            assert applied == (failure is Failure.AMBIGUOUS and not idempotent)
            if applied:
                assert "may have been applied" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectTimeout, Failure.NEVER_SENT),
        (httpx.ReadTimeout, Failure.AMBIGUOUS),
        (httpx.ConnectError, Failure.NEVER_SENT),
        (httpx.RemoteProtocolError, Failure.AMBIGUOUS),
        (httpx.PoolTimeout, Failure.NEVER_SENT),
        (httpx.ReadError, Failure.AMBIGUOUS),
    ],
)
def test_classify_httpx_subclasses_before_bases(
    exc: type[httpx.TransportError], expected: Failure
) -> None:
    assert classify_httpx(exc("x")) is expected


async def test_carrier_resultcode_is_never_retried() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(BASE + "/test/carrier").respond(
        json={"resultcode": 2062, "resultmsg": "price expired", "fee": 0}
    )
    async with client_for(router) as client:
        with pytest.raises(CarrierError) as info:
            await RetryNamespace(client).carrier()
    assert (info.value.resultcode, info.value.resultmsg) == (2062, "price expired")
    assert route.call_count == 1


async def test_idempotent_call_gives_up_after_max_retries() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(BASE + "/test/safe").respond(502)
    async with client_for(router, retry=fast_retry(max_retries=4)) as client:
        with pytest.raises(TransportError):
            await RetryNamespace(client).safe()
    assert route.call_count == 5


def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    low = RetryPolicy(random=lambda: 0.0)
    high = RetryPolicy(random=lambda: 1.0)
    assert [high.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert [low.delay(n) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("60", 60.0),
        ("0", 0.5),
        ("61", 0.5),
        ("-2", 0.5),
        ("soon", 0.5),
        (None, 0.5),
    ],
)
def test_retry_after_honoured_only_when_sane(header: str | None, expected: float) -> None:
    assert RetryPolicy(random=lambda: 1.0).delay(0, header) == expected


async def test_retry_after_header_drives_the_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    router = respx.Router()
    mock_token(router)
    router.post(BASE + "/test/safe").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "7"}), OK]
    )
    async with client_for(router, retry=fast_retry(sleep=sleep)) as client:
        await RetryNamespace(client).safe()
    assert slept == [7.0]


async def test_deadline_stops_retries_that_would_overrun() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    router = respx.Router()
    mock_token(router)
    route = router.post(BASE + "/test/safe").respond(502)
    policy = fast_retry(sleep=sleep, max_retries=10, deadline=3.0)
    async with client_for(router, retry=policy) as client:
        with pytest.raises(TransportError):
            await RetryNamespace(client).safe()
    # Sleeps are not real here, so only each planned delay counts against the 3 s deadline:
    # 0.5, 1 and 2 fit, the 4 s one would overrun and is refused though 10 retries are allowed.
    assert slept == [0.5, 1.0, 2.0]
    assert route.call_count == 4


def test_retry_budget_spends_and_refunds() -> None:
    budget = RetryBudget(capacity=12, cost=5, refund=1)
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()  # 2 left < cost 5
    for _ in range(3):
        budget.on_first_try_success()
    assert budget.try_spend()
    for _ in range(100):
        budget.on_first_try_success()
    assert budget.level == 12  # never above capacity


async def test_exhausted_budget_stops_retrying_across_calls() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(BASE + "/test/safe").respond(502)
    async with client_for(router, retry=fast_retry(max_retries=2)) as client:
        client._budget = RetryBudget(capacity=10, cost=5)
        ns = RetryNamespace(client)
        with pytest.raises(TransportError):
            await ns.safe()  # spends 2 retries = the whole budget
        with pytest.raises(TransportError):
            await ns.safe()  # no budget left: one attempt only
    assert route.call_count == 3 + 1


async def test_with_options_changes_retries_and_shares_pool_tokens_budget() -> None:
    router = respx.Router()
    token_route = mock_token(router)
    route = router.post(BASE + "/test/safe").respond(502)
    async with client_for(router) as client:
        quiet = client.with_options(max_retries=0, timeout=1.5)
        with pytest.raises(TransportError):
            await RetryNamespace(quiet).safe()
        assert route.call_count == 1
        assert quiet.transport is client.transport
        assert quiet.tokens is client.tokens
        assert quiet._budget is client._budget
        assert quiet._timeouts.read == 1.5
        assert client._retry.max_retries == 2
        await quiet.aclose()  # must not close the shared pool
        transport = client.transport
        assert isinstance(transport, HttpxTransport)
        assert not transport.client.is_closed
    assert token_route.call_count == 1


@pytest.mark.parametrize(("resultcode", "fails"), [("0", False), (None, False), ("2003", True)])
async def test_resultcode_of_another_json_type_is_read_as_a_number(
    resultcode: object, fails: bool
) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(BASE + "/test/carrier").respond(json={"resultcode": resultcode, "resultmsg": "m"})
    async with client_for(router) as client:
        if fails:
            with pytest.raises(CarrierError) as info:
                await RetryNamespace(client).carrier()
            assert info.value.resultcode == 2003
        else:
            assert await RetryNamespace(client).carrier() == EmptyResponse()


@pytest.mark.parametrize(
    ("errmsg", "rid"),
    [
        ("invalid args rid: 61b7289f-6875924d-25b4d70a", "61b7289f-6875924d-25b4d70a"),
        ("invalid code, this code has consumed. hint: [kJ4Nya0731ge21]", "kJ4Nya0731ge21"),
        ("system error hint: [ StC5vA0024r283 ]", "StC5vA0024r283"),
        ("no request id here", None),
    ],
)
def test_rid_is_read_in_both_forms(errmsg: str, rid: str | None) -> None:
    from wechat_async import APIError

    assert APIError(40099, errmsg, endpoint="/card/code/get").rid == rid


async def test_an_errcode_means_what_the_answering_api_documents() -> None:
    """40097 from the gift-card order API is a plain invalid parameter, not City Service's
    "the openid does not come from the template account"."""
    from wechat_async.errors import InvalidParameterError

    router = respx.Router()
    mock_token(router)
    missing = {"errcode": 40097, "errmsg": "invalid args: order not exists hint: [a1b2]"}
    router.post(BASE + "/card/giftcard/order/get").respond(json=missing)
    router.post(BASE + "/cityservice/sendmsgdata").respond(json=missing)
    async with client_for(router) as client:
        with pytest.raises(InvalidParameterError) as gift:
            await client.giftcard.get_order(order_id="nope")
        with pytest.raises(InvalidParameterError) as city:
            await client.cityservice.send_msg_data(
                openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
            )
    assert "template account" not in str(gift.value)
    assert gift.value.meaning == "invalid parameter"
    assert "template account" in city.value.meaning
    assert gift.value.rid == "a1b2"


DELIVERY = f"{BASE}/cgi-bin/express/local/business/"
_ORDER = {
    "shopid": "s",
    "shop_order_id": "o",
    "delivery_sign": "x",
    "delivery_id": "SFTC",
    "openid": "oA",
    "receiver": {
        "name": "n",
        "city": "c",
        "address": "a",
        "address_detail": "d",
        "phone": "1",
        "lng": 1.0,
        "lat": 1.0,
    },
    "cargo": {
        "goods_value": 1,
        "goods_weight": 1,
        "cargo_first_class": "x",
        "cargo_second_class": "y",
    },
    "order_info": {},
    "shop": {"img_url": "u", "goods_name": "g", "goods_count": 1},
}
#: retry-safe delivery calls: (method, path, arguments)
_SAFE_DELIVERY = [
    ("get_order", "order/get", {"shopid": "s", "shop_order_id": "o", "delivery_sign": "x"}),
    ("pre_add_order", "order/pre_add", _ORDER),
    (
        "pre_cancel_order",
        "order/precancel",
        {
            "shopid": "s",
            "shop_order_id": "o",
            "delivery_id": "SFTC",
            "waybill_id": "w",
            "delivery_sign": "x",
        },
    ),
]


def test_platform_and_carrier_failures_are_ambiguous_on_delivery_only() -> None:
    for code in (930555, 930556, 930557):
        assert classify_errcode(code, "delivery") is Failure.AMBIGUOUS
        assert classify_errcode(code, "giftcard") is Failure.FATAL
        assert classify_errcode(code) is Failure.FATAL
    assert classify_errcode(930558, "delivery") is Failure.FATAL  # the carrier's logic error
    assert classify_errcode(-1, "delivery") is Failure.AMBIGUOUS  # every API's rows still apply
    assert classify_errcode(40001, "delivery") is Failure.TOKEN


@pytest.mark.parametrize("code", [930555, 930556, 930557])
@pytest.mark.parametrize(("method", "path", "call"), _SAFE_DELIVERY, ids=lambda v: str(v)[:16])
async def test_retry_safe_delivery_calls_retry_platform_and_carrier_failures(
    code: int, method: str, path: str, call: dict[str, object]
) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=DELIVERY + path).mock(
        side_effect=[
            httpx.Response(200, json={"errcode": code, "errmsg": "delivery system error"}),
            httpx.Response(200, json={"errcode": 0, "resultcode": 0, "resultmsg": "ok"}),
        ]
    )
    async with client_for(router) as client:
        await getattr(client.delivery, method)(**call)
    assert route.call_count == 2


@pytest.mark.parametrize("code", [930555, 930556, 930557])
async def test_an_order_that_may_exist_is_not_placed_twice(code: int) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=DELIVERY + "order/add").respond(
        json={"errcode": code, "errmsg": "delivery timeout"}
    )
    async with client_for(router) as client:
        with pytest.raises(DeliveryError) as info:
            await client.delivery.add_order(**_ORDER)
    assert route.call_count == 1
    assert info.value.errcode == code
    assert info.value.may_have_been_applied is True


async def test_a_carrier_failure_that_persists_raises_after_the_retries() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=DELIVERY + "order/get").respond(
        json={"errcode": 930557, "errmsg": "delivery system error"}
    )
    async with client_for(router, retry=fast_retry(max_retries=2)) as client:
        with pytest.raises(DeliveryError) as info:
            await client.delivery.get_order(shopid="s", shop_order_id="o", delivery_sign="x")
    assert route.call_count == 3
    assert info.value.errcode == 930557


@pytest.mark.parametrize("code", [930558, 930561, 930563])
async def test_other_delivery_errcodes_are_not_retried(code: int) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=DELIVERY + "order/get").respond(
        json={"errcode": code, "errmsg": "x"}
    )
    async with client_for(router) as client:
        with pytest.raises(DeliveryError):
            await client.delivery.get_order(shopid="s", shop_order_id="o", delivery_sign="x")
    assert route.call_count == 1


async def test_a_delivery_code_from_another_api_is_not_retried() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(f"{BASE}/test/safe").mock(side_effect=_errcode(930556))
    async with client_for(router) as client:
        with pytest.raises(WeChatError):
            await RetryNamespace(client).safe()
    assert route.call_count == 1
