"""parse_event: the documented pushes into typed events; hostile bodies into typed errors."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wechat_async import CallbackError, MalformedMessageError
from wechat_async.callbacks import (
    GiftCardPayDone,
    GiftCardSendToFriend,
    GiftCardUserAccept,
    UnknownEvent,
    UpdateWaybillStatus,
    UserAuthorizeInvoice,
    UserGetCard,
    UserGiftingCard,
    parse_event,
)

PAY_DONE = b"""<xml>
<ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>
<FromUserName><![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]></FromUserName>
<CreateTime>1472631550</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[giftcard_pay_done]]></Event>
<PageId><![CDATA[OQK0R3MaFnCm74Phw5hwFJlz5sn+jy1zzM2amDidDbU=]]></PageId>
<OrderId><![CDATA[Z2y2rY74ksZX1ceuGA]]></OrderId>
</xml>"""


def _xml(event: str, **fields: str) -> bytes:
    base = {
        "ToUserName": "<![CDATA[gh_3fcea188bf78]]>",
        "FromUserName": "<![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]>",
        "CreateTime": "1472631550",
        "MsgType": "<![CDATA[event]]>",
        "Event": f"<![CDATA[{event}]]>",
        **fields,
    }
    return ("<xml>" + "".join(f"<{k}> {v} </{k}>" for k, v in base.items()) + "</xml>").encode()


def test_giftcard_pay_done() -> None:
    event = parse_event(PAY_DONE)
    assert isinstance(event, GiftCardPayDone)
    assert event.order_id == "Z2y2rY74ksZX1ceuGA"
    assert event.page_id == "OQK0R3MaFnCm74Phw5hwFJlz5sn+jy1zzM2amDidDbU="
    assert event.create_time == 1472631550
    assert event.from_user_name == "obLatjgoYejavUtHsWwrX-2GtFJE"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("<![CDATA[true]]>", True), ("1", True), ("0", False), ("false", False)],
)
def test_loose_booleans(raw: str, expected: bool) -> None:
    event = parse_event(
        _xml("giftcard_send_to_friend", OrderId="o1", IsChatRoom=raw, IsReturnBack=raw)
    )
    assert isinstance(event, GiftCardSendToFriend)
    assert event.is_chat_room is expected
    assert event.is_return_back is expected


def test_user_accept_get_card_gifting_card() -> None:
    accept = parse_event(_xml("giftcard_user_accept", OrderId="o1", IsChatRoom="true"))
    assert isinstance(accept, GiftCardUserAccept)
    assert accept.is_chat_room is True
    got = parse_event(
        _xml(
            "user_get_card",
            CardId="<![CDATA[pZI8Fjwsy5fVPRBeD78J4RmqVvBc]]>",
            IsGiveByFriend="0",
            UserCardCode="<![CDATA[226009850808]]>",
            FriendUserName="<![CDATA[]]>",
            OldUserCardCode="<![CDATA[]]>",
        )
    )
    assert isinstance(got, UserGetCard)
    assert (got.card_id, got.user_card_code, got.is_give_by_friend) == (
        "pZI8Fjwsy5fVPRBeD78J4RmqVvBc",
        "226009850808",
        False,
    )
    gift = parse_event(
        _xml("user_gifting_card", CardId="c", UserCardCode="297466945104", IsReturnBack="0")
    )
    assert isinstance(gift, UserGiftingCard)
    assert gift.is_return_back is False


@pytest.mark.parametrize(
    ("app_key", "source_key"), [("AppId", "Source"), ("AuthorizeAppId", "source")]
)
def test_invoice_event_field_variants(app_key: str, source_key: str) -> None:
    event = parse_event(
        _xml(
            "user_authorize_invoice",
            SuccOrderId="<![CDATA[1202933957956]]>",
            FailOrderId="<![CDATA[]]>",
            **{app_key: "<![CDATA[wxabc]]>", source_key: "<![CDATA[web]]>"},
        )
    )
    assert isinstance(event, UserAuthorizeInvoice)
    assert (event.succ_order_id, event.app_id, event.source) == ("1202933957956", "wxabc", "web")


@pytest.mark.parametrize(
    "name", ["update_waybill_status", "UPDATE_WAYBILL_STATUS", "udate_waybill_status"]
)
def test_waybill_json_push(name: str) -> None:
    body = {
        "ToUserName": "gh_abc",
        "FromUserName": "o_wechat_team",
        "CreateTime": 1546924844,
        "MsgType": "event",
        "Event": name,
        "shopid": "123456",
        "shop_order_id": "123456",
        "waybill_id": "123456",
        "action_time": 1546924844,
        "order_status": 102,
        "action_msg": "xxx",
        "shop_no": "123456",
        "agent": {"name": "xxx", "phone": "1234567", "reach_time": 1546925844},
    }
    event = parse_event(json.dumps(body), content_type="application/json")
    assert isinstance(event, UpdateWaybillStatus)
    assert event.order_status == 102
    assert event.agent is not None
    assert event.agent.reach_time == 1546925844


def test_unknown_event_keeps_every_field() -> None:
    event = parse_event(_xml("brand_new_event", Foo="<![CDATA[bar]]>", Count="3"))
    assert isinstance(event, UnknownEvent)
    assert event.event == "brand_new_event"
    assert event.fields["Foo"] == "bar"
    assert event.fields["Count"] == "3"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>&xxe;</ToUserName><Event>giftcard_pay_done</Event></xml>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><xml><Event>&lol9;</Event></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        XXE,
        LAUGHS,
        b"<xml><Event>giftcard_pay_done</Event><OrderId>x",  # truncated XML
        b'{"Event": "update_waybill_status", "shop_order_id": ',  # truncated JSON
        b"",
        b"   ",
        b"[1, 2, 3]",
        b"<xml>" + b"A" * (10 * 1024 * 1024) + b"</xml>",  # 10 MB
        _xml("giftcard_pay_done"),  # no OrderId
        _xml("giftcard_pay_done", OrderId="x", CreateTime="yesterday"),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "truncated-xml",
        "truncated-json",
        "empty",
        "blank",
        "json-array",
        "10mb",
        "missing-field",
        "bad-int",
    ],
)
def test_hostile_or_broken_bodies_raise_typed_errors(body: bytes) -> None:
    with pytest.raises(MalformedMessageError):
        parse_event(body)


def test_encrypted_envelope_needs_crypto() -> None:
    with pytest.raises(MalformedMessageError, match="encrypted"):
        parse_event(b"<xml><ToUserName>gh</ToUserName><Encrypt>abc</Encrypt></xml>")


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.binary(max_size=512), st.text(max_size=512).map(str.encode)))
def test_arbitrary_bytes_raise_only_callback_errors(body: bytes) -> None:
    with contextlib.suppress(CallbackError):
        parse_event(body)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(["Event", "OrderId", "CreateTime", "IsChatRoom", "CardId", "Foo"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    )
)
def test_arbitrary_json_fields_raise_only_callback_errors(fields: dict[str, str]) -> None:
    with contextlib.suppress(CallbackError):
        parse_event(json.dumps(fields).encode())
