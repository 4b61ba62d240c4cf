"""Hostile input found by probing: each once crashed or was misread."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wechat_async import CallbackError, MalformedMessageError
from wechat_async.callbacks import (
    GiftCardPayDone,
    PayloadTooLargeError,
    UnknownEvent,
    UpdateWaybillStatus,
    UserGiftingCard,
    check_signature,
    parse_event,
)
from wechat_async.callbacks._signature import sign
from wechat_async.callbacks._xml import _parser


@pytest.mark.parametrize("signature", ["é" * 40, "\udcff", "签名", "0" * 40])
def test_check_signature_refuses_non_ascii_without_raising(signature: str) -> None:
    assert check_signature("tok", signature, "1", "2") is False


@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b'{"a":' * 100_000], ids=["deep-array", "deep-object"]
)
def test_deeply_nested_json_is_malformed_not_recursion_error(body: bytes) -> None:
    with pytest.raises(MalformedMessageError, match="deeply"):
        parse_event(body)


def test_deeply_nested_xml_is_malformed() -> None:
    body = b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>"
    with pytest.raises(MalformedMessageError):
        parse_event(body)


def test_doctype_text_inside_cdata_is_an_ordinary_message() -> None:
    body = (
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>text</MsgType>"
        b"<Content><![CDATA[<!DOCTYPE html><!ENTITY x 'y'>]]></Content></xml>"
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    assert event.fields["Content"] == "<!DOCTYPE html><!ENTITY x 'y'>"


def test_doctype_hidden_behind_a_comment_is_still_refused() -> None:
    # The comment's "<a" fools a prolog-only scan; the post-parse check catches it.
    body = b'<!-- <a --><!DOCTYPE xml [<!ENTITY e "boom">]><xml><Event>&e;</Event></xml>'
    with pytest.raises(MalformedMessageError, match="DOCTYPE"):
        parse_event(body)


def test_the_parser_itself_resolves_no_external_entity(tmp_path: Path) -> None:
    # Defence in depth: even past the DOCTYPE check, the parser must not read files.
    from lxml import etree

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><x>&xxe;</x>'.encode()
    root = etree.fromstring(body, _parser())
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    assert "".join(root.itertext()) == "&xxe;"  # left as an unexpanded reference


def test_xml_waybill_push_reads_nested_numbers() -> None:
    body = (
        b"<xml><ToUserName>gh_mini</ToUserName><FromUserName>o_team</FromUserName>"
        b"<CreateTime>1546924844</CreateTime><MsgType>event</MsgType>"
        b"<Event>Update_Waybill_Status</Event><shop_order_id>SO1</shop_order_id>"
        b"<order_status>301</order_status><action_time>1546924844</action_time>"
        b"<agent><name>Li</name><phone>138</phone><reach_time>1546925844</reach_time></agent>"
        b"</xml>"
    )
    event = parse_event(body)
    assert isinstance(event, UpdateWaybillStatus)
    assert (event.order_status, event.action_time) == (301, 1546924844)
    assert event.agent is not None
    assert (event.agent.name, event.agent.reach_time) == ("Li", 1546925844)


def test_body_format_is_sniffed_not_taken_from_the_header() -> None:
    xml = (
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>event</MsgType>"
        b"<Event>giftcard_pay_done</Event><OrderId>X</OrderId></xml>"
    )
    event = parse_event(xml, "application/json")
    assert isinstance(event, GiftCardPayDone)
    assert event.order_id == "X"


def test_unknown_fields_of_known_events_land_in_extra() -> None:
    body = (
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>giftcard_pay_done</Event>"
        b"<OrderId>X</OrderId><OuterStr>web</OuterStr></xml>"
    )
    event = parse_event(body)
    assert isinstance(event, GiftCardPayDone)
    assert event.extra == {"OuterStr": "web"}


def test_over_the_limit_is_payload_too_large_before_parsing() -> None:
    # Not even well-formed: the size check must win before the parser sees it.
    with pytest.raises(PayloadTooLargeError):
        parse_event(b"<" * (1024 * 1024 + 1))


def test_text_message_sample_is_an_unknown_event_with_every_field() -> None:
    body = json.dumps(
        {"ToUserName": "gh", "FromUserName": "o", "CreateTime": 1, "MsgType": "text", "MsgId": 7}
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    assert event.fields["MsgId"] == 7
    assert event.identity().startswith("o|1|text||7|")
    same = parse_event(body)
    other = parse_event(body.replace('"MsgId": 7', '"MsgId": 7, "Content": "b"'))
    assert same.identity() == event.identity()
    assert other.identity() != event.identity()  # same user and second, different push


_TAGS = st.sampled_from(
    [
        "ToUserName",
        "FromUserName",
        "CreateTime",
        "MsgType",
        "Event",
        "OrderId",
        "CardId",
        "IsChatRoom",
        "agent",
        "order_status",
        "Encrypt",
        "AppId",
        "source",
    ]
)
_EVENTS = st.sampled_from(
    [
        "giftcard_pay_done",
        "giftcard_send_to_friend",
        "giftcard_user_accept",
        "user_get_card",
        "user_gifting_card",
        "user_authorize_invoice",
        "update_waybill_status",
        "x",
    ]
)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    event=_EVENTS,
    fields=st.dictionaries(_TAGS, st.one_of(_TEXT, st.integers(), st.booleans(), st.none())),
    as_xml=st.booleans(),
)
def test_structured_pushes_raise_only_callback_errors(
    event: str, fields: dict[str, object], as_xml: bool
) -> None:
    # Random bytes rarely reach the model; these are near-valid pushes of every known type.
    fields = {"MsgType": "event", **fields, "Event": event}
    if as_xml:
        from xml.sax.saxutils import escape

        body = "<xml>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
        payload = (body + "</xml>").encode()
    else:
        payload = json.dumps(fields).encode()
    with contextlib.suppress(CallbackError):
        parsed = parse_event(payload)
        assert parsed.event.lower() in (event, "")


def test_sign_accepts_what_a_query_string_can_carry() -> None:
    assert len(sign("tok", "\udcff", "é")) == 40


def test_empty_optional_elements_mean_not_said() -> None:
    body = (
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>user_gifting_card</Event>"
        b"<CardId>c</CardId><IsReturnBack></IsReturnBack><IsChatRoom><![CDATA[]]></IsChatRoom>"
        b"<FriendUserName><![CDATA[]]></FriendUserName></xml>"
    )
    event = parse_event(body)
    assert isinstance(event, UserGiftingCard)
    assert (event.is_return_back, event.is_chat_room) == (None, None)  # not False
    assert event.friend_user_name == ""  # text stays text
