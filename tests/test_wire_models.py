"""What WeChat and the carriers were seen to send is typed and kept: undocumented reply fields,
values outside the documented sets, and the pushes' undocumented fields and events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wechat_async._convert import converter, structure_response
from wechat_async.callbacks import (
    UpdateWaybillStatus,
    UserAuthorizeInvoice,
    UserGetCard,
    UserViewCard,
    WaybillAgent,
    parse_event,
)
from wechat_async.delivery import (
    AuditResult,
    DeliveryId,
    GetAllDeliveryResponse,
    GetBindAccountResponse,
    GetOrderResponse,
    OrderStatus,
)
from wechat_async.giftcard import PageControlType, SetMaintainResponse
from wechat_async.invoice import GetAuthDataResponse, InvoiceStatus


@pytest.mark.parametrize("code", [0, 1, 999, -3])
def test_order_status_outside_the_table_is_kept(code: int) -> None:
    reply = structure_response({"order_status": code, "rider_name": "王五"}, GetOrderResponse)
    status = reply.order_status
    assert isinstance(status, OrderStatus)
    assert status == code
    assert status.value == code
    assert status.name == f"UNKNOWN_{code}"
    assert not status.is_final
    assert not status.is_success
    assert converter.unstructure(reply) == {"order_status": code, "rider_name": "王五"}


@pytest.mark.parametrize(
    ("model", "body", "read", "expected"),
    [
        (
            GetAllDeliveryResponse,
            {"list": [{"delivery_id": "NEWCO", "delivery_name": "新运力"}]},
            lambda r: r.companies[0].delivery_id,
            (DeliveryId, "NEWCO"),
        ),
        (
            GetBindAccountResponse,
            {"shop_list": [{"delivery_id": "SFTC", "shopid": "s", "audit_result": 3}]},
            lambda r: r.shop_list[0].audit_result,
            (AuditResult, 3),
        ),
        (
            SetMaintainResponse,
            {"control_info": {"biz_control_type": "PAGE_CONTROL_TYPE_NEW", "list": []}},
            lambda r: r.control_info.biz_control_type,
            (PageControlType, "PAGE_CONTROL_TYPE_NEW"),
        ),
        (
            GetAuthDataResponse,
            {"invoice_status": "auth time out"},
            lambda r: r.invoice_status,
            (InvoiceStatus, "auth time out"),
        ),
    ],
    ids=["delivery_id", "audit_result", "control_type", "invoice_status"],
)
def test_open_value_sets_keep_values_wechat_adds(
    model: type, body: dict[str, Any], read: Any, expected: tuple[type, object]
) -> None:
    reply = structure_response(body, model)
    value = read(reply)
    cls, raw = expected
    assert isinstance(value, cls)
    assert value == raw
    assert value.value == raw
    assert converter.unstructure(reply) == body  # written back unchanged


def test_known_values_are_members() -> None:
    assert DeliveryId("SFTC") is DeliveryId.SFTC
    assert AuditResult(1) is AuditResult.UNDER_REVIEW
    assert PageControlType("E_PAGE_CONTROL_SYSTEM") is PageControlType.E_PAGE_CONTROL_SYSTEM
    assert InvoiceStatus("never auth") is InvoiceStatus.NEVER_AUTH
    assert InvoiceStatus("auth success") == "auth success"


def _xml(event: str, **fields: str) -> bytes:
    base = {
        "ToUserName": "<![CDATA[gh_3fcea188bf78]]>",
        "FromUserName": "<![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]>",
        "CreateTime": "1472631550",
        "MsgType": "<![CDATA[event]]>",
        "Event": f"<![CDATA[{event}]]>",
        **fields,
    }
    return ("<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in base.items()) + "</xml>").encode()


def test_user_view_card_is_typed() -> None:
    event = parse_event(
        _xml(
            "user_view_card",
            CardId="<![CDATA[pZI8Fjwsy5fVPRBeD78J4RmqVvBc]]>",
            UserCardCode="<![CDATA[226009850808]]>",
            OuterStr="<![CDATA[12b]]>",
        )
    )
    assert isinstance(event, UserViewCard)
    assert (event.card_id, event.user_card_code, event.outer_str) == (
        "pZI8Fjwsy5fVPRBeD78J4RmqVvBc",
        "226009850808",
        "12b",
    )
    assert event.REPLY == "success"


def test_live_user_authorize_invoice_keeps_authorize_and_sp_app_ids() -> None:
    event = parse_event(
        _xml(
            "user_authorize_invoice",
            SuccOrderId="<![CDATA[1202933957956]]>",
            FailOrderId="<![CDATA[]]>",
            AuthorizeAppId="<![CDATA[wx_merchant]]>",
            SPAppId="<![CDATA[wx_provider]]>",
            Source="<![CDATA[web]]>",
        )
    )
    assert isinstance(event, UserAuthorizeInvoice)
    assert (event.authorize_app_id, event.sp_app_id) == ("wx_merchant", "wx_provider")
    assert event.app_id == "wx_merchant"  # one field to read, whichever name came
    assert not event.extra


def test_both_app_id_names_are_kept_when_both_come() -> None:
    event = parse_event(
        _xml(
            "user_authorize_invoice",
            SuccOrderId="1",
            AppId="<![CDATA[wx_documented]]>",
            AuthorizeAppId="<![CDATA[wx_live]]>",
        )
    )
    assert isinstance(event, UserAuthorizeInvoice)
    assert (event.app_id, event.authorize_app_id) == ("wx_documented", "wx_live")


def test_user_get_card_source_scene() -> None:
    event = parse_event(
        _xml(
            "user_get_card",
            CardId="<![CDATA[p1]]>",
            IsGiveByFriend="1",
            UserCardCode="<![CDATA[226009850808]]>",
            SourceScene="<![CDATA[SOURCE_SCENE_USER_ACCEPT_GIFTCARD]]>",
        )
    )
    assert isinstance(event, UserGetCard)
    assert event.source_scene == "SOURCE_SCENE_USER_ACCEPT_GIFTCARD"
    assert not event.extra


WAYBILL_JSON = {
    "ToUserName": "gh_1",
    "FromUserName": "oABC",
    "CreateTime": 1546924844,
    "MsgType": "event",
    "Event": "update_waybill_status",
    "shopid": "123456",
    "shop_order_id": "123456",
    "waybill_id": "123456",
    "action_time": 1546924844,
    "order_status": 302,
    "action_msg": "",
    "shop_no": "123456",
    "agent": {"name": "王五", "phone": "13912345678", "reach_time": 1546925444},
}

WAYBILL_XML = _xml(
    "update_waybill_status",
    shopid="<![CDATA[123456]]>",
    shop_order_id="<![CDATA[123456]]>",
    waybill_id="<![CDATA[123456]]>",
    action_time="1546924844",
    order_status="302",
    action_msg="<![CDATA[]]>",
    shop_no="<![CDATA[123456]]>",
    agent=(
        "<name><![CDATA[王五]]></name><phone><![CDATA[13912345678]]></phone>"
        "<reach_time>1546925444</reach_time><is_phone_encrypted>1</is_phone_encrypted>"
    ),
)


@pytest.mark.parametrize(
    "body", [json.dumps(WAYBILL_JSON).encode(), WAYBILL_XML], ids=["json", "xml"]
)
def test_waybill_push_is_typed_in_json_and_xml(body: bytes) -> None:
    event = parse_event(body)
    assert isinstance(event, UpdateWaybillStatus)
    assert event.order_status is OrderStatus.DELIVERED
    assert event.order_status.is_final
    assert isinstance(event.agent, WaybillAgent)
    assert (event.agent.name, event.agent.phone, event.agent.reach_time) == (
        "王五",
        "13912345678",
        1546925444,
    )


def test_waybill_push_with_a_status_outside_the_table() -> None:
    event = parse_event(json.dumps({**WAYBILL_JSON, "order_status": 1}).encode())
    assert isinstance(event, UpdateWaybillStatus)
    assert event.order_status == 1
    assert event.order_status is not None
    assert not event.order_status.is_final
    assert (
        event.identity() == parse_event(json.dumps({**WAYBILL_JSON, "order_status": 1})).identity()
    )
    assert "|1|" in event.identity()
