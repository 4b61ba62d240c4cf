"""City Service's message path as stored state: the account's approved template and its style
ids, the users who reached the service through City Service (``Emulator.visit_city_service``),
and the messages sent, with the limits its return codes document (82020 to 82026): 5 messages
an hour to a user, 10 in the 30 days after a visit, 20 for a medical service
(``wx.cityservice.medical = True``).

``result_page_style_id`` without ``url`` is accepted: a production integration sends it so (the
document asks for a url on a results page, what WeChat answers without one is not known)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ._app import Call, Reply, error, expect, ok

__all__ = ["CityService"]

_HOUR, _MONTH = 3600, 30 * 86400
#: WeChat's limits per user: 5 messages an hour, 10 in the 30 days after a visit (20 in the
#: medical industry).
_PER_HOUR, _PER_VISIT, _PER_VISIT_MEDICAL = 5, 10, 20
_URL = re.compile(r"https?://[^\s/]+\S*")
_STYLE_FIELDS = ("result_page_style_id", "deal_msg_style_id", "card_style_id")


class CityService:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        #: the message path template City Service approved for this account
        self.template_id = "EmuCityTplqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27"
        self.style_ids = {
            "result_page_style_id": "EmuResultPagecUjfPSEtwasWQFsJ5PXo218PexBaHy",
            "deal_msg_style_id": "EmuDealMsgcUjfPSEtwasWQFsJ5PXo24LeNjWbwMObX",
            "card_style_id": "EmuCardcUjfPSEtwasWQFsJ5PXo2z8LSM0Q6FH05DCe",
        }
        #: False: the account lacks the API (48001); ``online`` False: the service is offline
        self.authorized = True
        self.online = True
        #: a medical service: 20 messages to a user in 30 days instead of 10
        self.medical = False
        #: openid -> when the user last reached the service through City Service
        self.visits: dict[str, float] = {}
        #: every message accepted, as sent
        self.messages: list[dict[str, Any]] = []
        self._sent: dict[str, list[float]] = {}
        self._order_owner: dict[str, str] = {}

    def visit(self, openid: str) -> None:
        """The user opens the service from City Service: messages to them are allowed for
        30 days (and at most 10 of them, 20 for a medical service)."""
        self.visits[openid] = self._clock()
        self._sent[openid] = []

    async def send_msg_data(self, call: Call) -> Reply:
        body = call.body
        if not self.authorized:
            return error(48001, "api unauthorized")
        missing = [f for f in ("openid", "biz_template_id", "order_no", "data") if f not in body]
        if missing:
            return error(40097, f"invalid args: {', '.join(missing)} missing")
        openid = expect(body["openid"], str, "openid")
        order_no = expect(body["order_no"], str, "order_no")
        data = expect(body["data"], dict, "data")
        for key, item in data.items():
            expect(expect(item, dict, f"data.{key}").get("value"), str, f"data.{key}.value")
        if expect(body["biz_template_id"], str, "biz_template_id") != self.template_id:
            return error(40097, "invalid args: biz_template_id is not this account's template")
        for field in _STYLE_FIELDS:
            value = body.get(field)
            if value is not None and expect(value, str, field) != self.style_ids[field]:
                return error(40097, f"invalid args: {field} is not the template's style")
        url = body.get("url")
        if url is not None and not _URL.fullmatch(expect(url, str, "url")):
            return error(82025, "url invalid")
        if not self.online:
            return error(82026, "service offline")
        now = self._clock()
        visited = self.visits.get(openid)
        if visited is None:
            return error(82020, "user never used the service through city service")
        if now - visited > _MONTH:
            return error(82021, "user has not used the service in the last 30 days")
        sent = self._sent[openid]
        if len(sent) >= (_PER_VISIT_MEDICAL if self.medical else _PER_VISIT):
            return error(82022, "too many messages to this user in 30 days")
        if sum(1 for t in sent if now - t < _HOUR) >= _PER_HOUR:
            return error(82023, "too many messages to this user in an hour")
        if self._order_owner.setdefault(order_no, openid) != openid:
            return error(82024, "order_no exception: the order belongs to another user")
        sent.append(now)
        self.messages.append(dict(body))
        result_page_url = ""
        if body.get("result_page_style_id") is not None:
            result_page_url = (
                "https://city.weixin.qq.com/static/resultpagenew.html"
                f"?openid={quote(openid)}&biz_template_id={quote(self.template_id)}"
                "#wechat_redirect"
            )
        return ok(result_page_url=result_page_url)
