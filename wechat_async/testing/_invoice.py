"""Post-payment invoicing as stored state: the merchant's pay-mch and auth-field settings,
and the authorization data users gave for their orders (``Emulator.authorize_invoice``).

``getauthdata`` for an order the user never authorized answers as WeChat was seen answering it:
errcode 0 with ``invoice_status`` "never auth", not an error (the gift-card document's section
12.2.2, https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html, lists
the statuses without the codes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ._app import Call, Reply, error, ok

__all__ = ["NEVER_AUTHORIZED", "Invoicing"]

#: ``invoice_status`` of an order the user never authorized, as seen on the wire
NEVER_AUTHORIZED = "never auth"


class Invoicing:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.paymch_info: dict[str, Any] | None = None
        self.auth_field: dict[str, Any] | None = None
        #: (s_pappid, order_id) -> the user's authorization
        self.authorizations: dict[tuple[str, str], dict[str, Any]] = {}

    # The four ``setbizattr?action=`` calls; an action WeChat does not have answers 40097.
    async def set_pay_mch(self, call: Call) -> Reply:
        info = call.body.get("paymch_info")
        if not isinstance(info, dict) or not info.get("mchid") or not info.get("s_pappid"):
            return error(72031, "invalid params: paymch_info.mchid and s_pappid")
        self.paymch_info = dict(info)
        return ok()

    async def get_pay_mch(self, call: Call) -> Reply:
        if self.paymch_info is None:
            return error(72028, "invoice pay mch not set")
        return ok(paymch_info=self.paymch_info)

    async def set_auth_field(self, call: Call) -> Reply:
        field = call.body.get("auth_field")
        # Both parts are required (section 12.2.2's table), as the SDK's model says.
        if not isinstance(field, dict) or not {"user_field", "biz_field"} <= set(field):
            return error(72031, "invalid params: auth_field.user_field and biz_field")
        self.auth_field = dict(field)
        return ok()

    async def get_auth_field(self, call: Call) -> Reply:
        if self.auth_field is None:
            return error(72029, "invoice auth field not set")
        return ok(auth_field=self.auth_field)

    async def get_auth_data(self, call: Call) -> Reply:
        s_pappid, order_id = call.body.get("s_pappid"), call.body.get("order_id")
        if not isinstance(s_pappid, str) or not isinstance(order_id, str):
            return error(72031, "invalid params: s_pappid and order_id")
        if self.paymch_info is None or self.paymch_info.get("s_pappid") != s_pappid:
            return error(72030, "invalid mchid: s_pappid is not this merchant's")
        found = self.authorizations.get((s_pappid, order_id))
        if found is None:
            return ok(invoice_status=NEVER_AUTHORIZED)
        return ok(**found)

    def authorize(
        self, s_pappid: str, order_id: str, *, title: str, tax_no: str | None = None
    ) -> dict[str, Any]:
        """The user fills the invoice form for ``order_id`` (company when ``tax_no``)."""
        if tax_no is None:
            info: dict[str, Any] = {"user_field": {"title": title}}
        else:
            info = {"biz_field": {"title": title, "tax_no": tax_no}}
        record = {
            "invoice_status": "auth success",
            "auth_time": int(self._clock()),
            "user_auth_info": info,
        }
        self.authorizations[(s_pappid, order_id)] = record
        return record
