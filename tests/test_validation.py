"""Bad input fails before sending, naming every field; bad responses fail with the path."""

from __future__ import annotations

import attrs
import httpx
import pytest
import respx

from tests.helpers import BASE, client_for, mock_token
from wechat_async import (
    APIError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseValidationError,
    WeChatError,
)
from wechat_async.cityservice import SendMsgDataRequest, TemplateValue

SEND = f"{BASE}/cityservice/sendmsgdata"
GOOD = {"openid": "o", "biz_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"openid": 123}, {"openid"}),
        ({"openid": None, "order_no": None}, {"openid", "order_no"}),
        ({"data": {"k": {"value": "v", "color": "red"}}}, {"data.k.color"}),
        ({"data": {"k": {"colour": "#000000"}}}, {"data.k.value", "data.k.colour"}),
        (
            {"openid": 1, "biz_template_id": 2.5, "order_no": None},
            {"openid", "biz_template_id", "order_no"},
        ),
        ({"unknown_field": "x"}, {"unknown_field"}),
    ],
)
async def test_bad_input_names_every_field_and_sends_nothing(
    changes: dict[str, object], fields: set[str]
) -> None:
    router = respx.Router(assert_all_called=False)
    token = mock_token(router)
    send = router.post(SEND).respond(json={"errcode": 0})
    call = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.cityservice.send_msg_data(**call)  # type: ignore[arg-type]
    error = info.value
    assert set(error.fields) == fields, error
    assert error.endpoint == "/cityservice/sendmsgdata"
    for name in fields:
        assert name in str(error)
    assert send.call_count == 0
    assert token.call_count == 0  # not even a token fetch


async def test_model_instance_is_validated_too() -> None:
    router = respx.Router(assert_all_called=False)
    send = router.post(SEND).respond(json={"errcode": 0})
    request = SendMsgDataRequest(
        openid="o",
        biz_template_id="t",
        order_no="1",
        data={"k": TemplateValue(value="v", color="blue")},
    )
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.cityservice.send_msg_data.send(request)
        with pytest.raises(RequestValidationError, match="keywords"):
            await client.cityservice.send_msg_data(request, openid="x")  # type: ignore[call-arg]
    assert info.value.fields == ("data.k.color",)
    assert send.call_count == 0


async def test_model_instance_and_keywords_send_the_same_body() -> None:
    router = respx.Router()
    mock_token(router)
    send = router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok", "result_page_url": ""})
    request = SendMsgDataRequest(
        openid="o", biz_template_id="t", order_no="1", data={"k": TemplateValue(value="v")}
    )
    async with client_for(router) as client:
        await client.cityservice.send_msg_data.send(request)
        await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
    first, second = (call.request.content for call in send.calls)
    assert (
        first
        == second
        == b'{"openid":"o","biz_template_id":"t","order_no":"1","data":{"k":{"value":"v"}}}'
    )


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(200, text='{"errcode":0,"result_page_url":"htt'), "not JSON"),
        (httpx.Response(200, text="<html>gateway</html>"), "not JSON"),
        (httpx.Response(200, content=b""), "empty body"),
        (httpx.Response(200, json=[1, 2]), "not an object"),
        (httpx.Response(200, content=b"\xff\xfe\x00"), "not JSON"),
    ],
)
async def test_undecodable_response_raises_typed_error_with_path(
    response: httpx.Response, reason: str
) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(SEND).mock(return_value=response)
    async with client_for(router) as client:
        with pytest.raises(ResponseDecodeError) as info:
            await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
    assert info.value.endpoint == "/cityservice/sendmsgdata"
    assert "/cityservice/sendmsgdata" in str(info.value)
    assert reason in str(info.value)


async def test_response_of_wrong_shape_names_the_json_path() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok", "result_page_url": 42})
    async with client_for(router) as client:
        with pytest.raises(ResponseValidationError) as info:
            await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
    assert [e.path for e in info.value.errors] == ["result_page_url"]


async def test_unknown_response_keys_are_kept_in_extra_and_raw_has_http_pieces() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(SEND).respond(
        json={"errcode": 0, "errmsg": "ok", "result_page_url": "u", "new_field": [1]},
        headers={"x-request-id": "r1"},
    )
    async with client_for(router) as client:
        raw = await client.cityservice.send_msg_data.raw(**GOOD)  # type: ignore[arg-type]
    assert raw.parsed.result_page_url == "u"
    assert raw.parsed.extra == {"new_field": [1]}
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r1"
    assert raw.json["errmsg"] == "ok"
    assert attrs.asdict(raw.parsed)["extra"] == {"new_field": [1]}


@pytest.mark.parametrize(
    ("errcode", "outcome"),
    [("0", "ok"), (0.0, "ok"), (None, "ok"), ("40097", 40097), (True, 1), ("abc", "error")],
)
async def test_errcode_of_another_json_type_is_read_as_a_number(
    errcode: object, outcome: object
) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(SEND).respond(json={"errcode": errcode, "errmsg": "x", "result_page_url": ""})
    async with client_for(router) as client:
        if outcome == "ok":
            result = await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
            assert result.result_page_url == ""
        elif outcome == "error":
            with pytest.raises(WeChatError, match="not a number"):
                await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
        else:
            with pytest.raises(APIError) as info:
                await client.cityservice.send_msg_data(**GOOD)  # type: ignore[arg-type]
            assert info.value.errcode == outcome
