"""Invoice namespace: input checks and wire details beyond the documented examples."""

from __future__ import annotations

import json

import pytest
import respx

from tests.helpers import BASE, client_for, mock_token
from wechat_async import InvalidParameterError, RequestValidationError
from wechat_async.errors import InvoiceAuthFieldNotSetError, InvoiceError
from wechat_async.invoice import AuthField, BizField, UserField


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        ({"auth_field": {"user_field": {"show_title": 1}}}, {"auth_field.biz_field"}),
        (
            {"auth_field": {"user_field": {"show_title": 2}, "biz_field": {"show_bank_no": -1}}},
            {"auth_field.user_field.show_title", "auth_field.biz_field.show_bank_no"},
        ),
        (
            {"auth_field": {"user_field": {"show_titel": 1}, "biz_field": {}}},
            {"auth_field.user_field.show_titel"},
        ),
        (
            {"auth_field": {"user_field": {"show_title": "1"}, "biz_field": {}}},
            {"auth_field.user_field.show_title"},
        ),
    ],
)
async def test_set_auth_field_bad_input_fails_before_sending(
    call: dict[str, object], fields: set[str]
) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=BASE)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.invoice.set_auth_field(**call)  # type: ignore[arg-type]
    assert set(info.value.fields) == fields
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"s_pappid": "", "order_id": "1"}, "s_pappid"),
        ({"s_appid": "wxabcd", "order_id": "1"}, "s_appid"),  # the doc table's typo is refused
        ({"s_pappid": "wxabcd"}, "order_id"),
    ],
)
async def test_get_auth_data_bad_input(call: dict[str, object], field: str) -> None:
    router = respx.Router(assert_all_called=False)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.invoice.get_auth_data(**call)  # type: ignore[arg-type]
    assert field in info.value.fields


async def test_models_and_keywords_send_the_same_body_with_the_action_query() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=f"{BASE}/card/invoice/setbizattr").respond(
        json={"errcode": 0, "errmsg": "ok"}
    )
    field = AuthField(user_field=UserField(show_title=1), biz_field=BizField(show_tax_no=1))
    async with client_for(router) as client:
        await client.invoice.set_auth_field(auth_field=field)
    request = route.calls.last.request
    assert request.url.params["action"] == "set_auth_field"
    assert json.loads(request.content) == {
        "auth_field": {"user_field": {"show_title": 1}, "biz_field": {"show_tax_no": 1}}
    }


def test_invoice_errors_are_named_and_typed() -> None:
    assert issubclass(InvoiceAuthFieldNotSetError, InvoiceError)
    assert not issubclass(InvoiceAuthFieldNotSetError, InvalidParameterError)
