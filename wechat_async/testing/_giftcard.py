"""Gift cards as WeChat keeps them: cards, shelves, payment setup, orders, codes, balances.

State, not canned answers: what ``create_card`` and ``add_page`` write, ``get_page`` reads;
a code consumed once answers 40099 the next time (unless ``check_consume`` is false, which
reports its status); an order refunded once cannot be refunded again. ``card/create`` keeps the
gift-card document's rules (https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html)
with the card errcodes of
https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Card_coupons_error_code.html.
Every rule is declared here, none imported from the SDK: the emulator plays WeChat.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import random
import secrets
import time
from collections.abc import Callable
from typing import Any

from ._app import Call, Reply, error, expect, ok
from ._orders import OrderBook

__all__ = ["GiftCards"]

#: ``order/batchget``'s longest range. Deliberately declared here, not imported from the SDK's
#: ``MAX_ORDER_WINDOW``: the emulator plays WeChat and derives nothing from the SDK's checks.
MAX_ORDER_WINDOW = 31 * 24 * 3600
_NOT_CONSUMABLE = {"CONSUMED": 40099, "EXPIRE": 40099, "DELETE": 40127, "GIFTING": 40127}
CODE_TYPES = frozenset(
    {
        "CODE_TYPE_TEXT",
        "CODE_TYPE_BARCODE",
        "CODE_TYPE_QRCODE",
        "CODE_TYPE_ONLY_QRCODE",
        "CODE_TYPE_ONLY_BARCODE",
    }
)
#: base_info text limits, in UTF-8 bytes: the documents count Chinese characters (title 9,
#: brand_name 12), which card/create's field table types as string(27) and string(36).
_MAX_BYTES = {"title": 27, "brand_name": 36}
#: The latest time a card's validity can carry (its timestamps must fall before 2038-01-19):
#: a permanent card's end_time.
_NEVER = 2**31 - 1
_DAY = 86400
#: validity of the generated orders' cards, whose card/create the emulator never saw
_GENERATED_VALIDITY = 365 * _DAY
#: test whitelist accounts, openids and WeChat ids together
_MAX_TESTERS = 10


_CONTROL = {True: "E_PAGE_CONTROL_BIZ", False: "E_PAGE_CONTROL_NORMAL"}


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


class GiftCards:
    def __init__(
        self,
        book: OrderBook,
        *,
        orders_per_second: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.book = book
        self.orders_per_second = orders_per_second
        self._clock = clock
        self._stream_started = clock()
        self._streamed = 0
        self._seed = seed
        self.cards: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.maintained: set[str] = set()
        #: whether the merchant took all its shelves off at once (``all``)
        self.all_maintained = False
        self.pay_whitelist: set[str] = set()
        self.submch: dict[str, str] = {}
        self.wxa: dict[str, str] = {}
        #: who may receive cards under review: {"openid": [...], "username": [...]}
        self.testers: dict[str, list[str]] = {"openid": [], "username": []}
        self.refunded: set[str] = set()
        #: code -> {"card_id", "status", "balance", "bonus", "openid", "order_id", "outer_str"}
        self._codes: dict[str, dict[str, Any]] | None = None
        self._indexed_added = 0
        self.images: list[bytes] = []

    # -- orders ------------------------------------------------------------------------------
    def stream(self) -> None:
        """The live stream: orders bought since the emulator started, ``orders_per_second``."""
        if not self.orders_per_second:
            return
        now = self._clock()
        due = int((now - self._stream_started) * self.orders_per_second)
        while self._streamed < due:
            self._streamed += 1
            # Orders are created when first asked for, but stamped when they were bought:
            # stamped "now", those bought before a sync's end but read after it would fall
            # outside its range and never be synced.
            bought = self._stream_started + self._streamed / self.orders_per_second
            self.book.add_new(min(int(bought), int(now)), seed=self._seed)

    async def get_order(self, call: Call) -> Reply:
        self.stream()
        order = self.book.get(str(call.body.get("order_id", "")))
        if order is None:
            return error(40097, "invalid args: order not exists")
        return ok(order=order)

    async def batch_get_orders(self, call: Call) -> Reply:
        self.stream()
        data = call.body
        try:
            begin, end = int(data["begin_time"]), int(data["end_time"])
            offset, count = int(data.get("offset", 0)), int(data["count"])
            sort_type = data.get("sort_type", "ASC")
        except (KeyError, TypeError, ValueError, OverflowError):
            return error(47001, "data format error")
        if not 0 < count <= 100 or offset < 0 or sort_type not in ("ASC", "DESC"):
            return error(40097, "invalid args: count 1..100, offset >= 0, sort_type ASC|DESC")
        if end < begin or end - begin > MAX_ORDER_WINDOW:
            return error(40097, "invalid args: time range over 31 days")
        total, orders = self.book.page(
            begin, end, descending=sort_type == "DESC", offset=offset, count=count
        )
        if self.book.unreadable and any(o["order_id"] in self.book.unreadable for o in orders):
            return error(40097, "接收者的openid不能为空")  # the whole page, for one order
        return ok(total_count=total, order_list=orders)

    async def refund_order(self, call: Call) -> Reply:
        order_id = str(call.body.get("order_id", ""))
        order = self.book.get(order_id)
        if order is None:
            return error(40097, "invalid args: order not exists")
        if order_id in self.refunded:
            return error(40097, "invalid args: order already refunded")
        self.refunded.add(order_id)
        order["refunded"] = True
        for card in order.get("card_list", []):
            code = self.codes().get(str(card.get("code")))
            if code is not None:
                code["status"] = "DELETE"
        return ok()

    # -- cards and codes ----------------------------------------------------------------------
    def codes(self) -> dict[str, dict[str, Any]]:
        """The codes of every order's cards, indexed once on first use."""
        if self._codes is None:
            self._codes = {}
            for order in self.book.orders():
                self._index(order)
            self._indexed_added = len(self.book.added_ids)
        return self._codes

    def _index(self, order: dict[str, Any]) -> None:
        assert self._codes is not None
        for card in order.get("card_list", []):
            code = card.get("code")
            if code and code not in self._codes:
                self._codes[code] = {
                    "card_id": card["card_id"],
                    "status": "NORMAL",
                    "balance": card.get("price", 0),
                    "bonus": 0,
                    "openid": order.get("open_id"),
                    "order_id": order["order_id"],
                    "outer_str": order.get("outer_str"),
                    "received": int(order.get("create_time", 0)),
                    "background_pic_url": card.get("background_pic_url") or "",
                }

    def _validity(self, entry: dict[str, Any]) -> tuple[int, int]:
        """A code's begin_time and end_time, from its card's ``date_info``."""
        received = entry["received"]
        card = self.cards.get(entry["card_id"])
        if card is None:
            return received, received + _GENERATED_VALIDITY
        date_info = card["general_card"]["base_info"].get("date_info") or {}
        kind = date_info.get("type")
        if kind == "DATE_TYPE_FIX_TIME_RANGE":
            begin = date_info.get("begin_timestamp") or received
            return begin, date_info.get("end_timestamp") or _NEVER
        if kind == "DATE_TYPE_FIX_TERM":
            begin = received + int(date_info.get("fixed_begin_term") or 0) * _DAY
            return begin, begin + int(date_info.get("fixed_term") or 0) * _DAY
        return received, _NEVER

    def _background(self, entry: dict[str, Any]) -> str:
        """The code's own background (updateuser, the buyer's choice), else its card's."""
        if entry["background_pic_url"]:
            return str(entry["background_pic_url"])
        card = self.cards.get(entry["card_id"])
        return str(card["general_card"].get("background_pic_url") or "") if card else ""

    def _code(self, body: dict[str, Any]) -> tuple[str, dict[str, Any] | None, Reply | None]:
        self.codes()
        added = self.book.added_ids
        while self._indexed_added < len(added):
            new = self.book.get(added[self._indexed_added])
            self._indexed_added += 1
            if new is not None:
                self._index(new)
        code = str(body.get("code", ""))
        entry = self.codes().get(code)
        if entry is None:
            return code, None, error(40056, "invalid serial code")
        card_id = body.get("card_id")
        if card_id is not None and card_id != entry["card_id"]:
            return code, None, error(40073, "invalid card_id")
        return code, entry, None

    def code_entry(self, code: str) -> dict[str, Any] | None:
        """The state of ``code`` (scenarios move it between users), or None."""
        return self._code({"code": code})[1]

    def encrypt_code(self, code: str) -> str:
        """The ``encrypt_code`` a jump URL would carry for ``code`` (``decrypt_code``
        inverts it)."""
        return base64.urlsafe_b64encode(b"emu:" + code.encode()).decode()

    async def decrypt_code(self, call: Call) -> Reply:
        token = str(call.body.get("encrypt_code", ""))
        try:
            raw = base64.urlsafe_b64decode(token.encode())
        except ValueError:
            raw = b""
        try:
            code = raw.removeprefix(b"emu:").decode() if raw.startswith(b"emu:") else None
        except UnicodeDecodeError:  # only the emulator's own encrypt_code decrypts
            code = None
        if not code:
            return error(40056, "invalid encrypt_code")
        return ok(code=code)

    async def get_code(self, call: Call) -> Reply:
        code, entry, refused = self._code(call.body)
        if refused is not None:
            return refused
        assert entry is not None
        status = entry["status"]
        if call.body.get("check_consume", True) and status in _NOT_CONSUMABLE:
            return error(_NOT_CONSUMABLE[status], f"invalid code, this code has {status.lower()}")
        begin, end = self._validity(entry)
        card = {
            "card_id": entry["card_id"],
            "begin_time": begin,
            "end_time": end,
            "balance": entry["balance"],
            "code": code,
            "card_number": code,  # the card number shown is the code unless set otherwise
        }
        return ok(
            card=card,
            openid=entry["openid"],
            can_consume=status == "NORMAL",
            user_card_status=status,
            order_id=entry["order_id"],
            outer_str=entry["outer_str"],
            background_pic_url=self._background(entry),
        )

    async def consume_code(self, call: Call) -> Reply:
        _, entry, refused = self._code(call.body)
        if refused is not None:
            return refused
        assert entry is not None
        if entry["status"] != "NORMAL":
            return error(_NOT_CONSUMABLE.get(entry["status"], 40099), "invalid code, consumed")
        entry["status"] = "CONSUMED"
        return ok(card={"card_id": entry["card_id"]}, openid=entry["openid"])

    async def update_user_card(self, call: Call) -> Reply:
        _, entry, refused = self._code(call.body)
        if refused is not None:
            return refused
        assert entry is not None
        for name in ("balance", "bonus"):
            value = call.body.get(name)
            if value is not None:
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    return error(40097, f"invalid args: {name}")
                entry[name] = value  # a full value, not an increment
        background = call.body.get("background_pic_url")
        if background is not None:
            entry["background_pic_url"] = expect(background, str, "background_pic_url")
        return ok(
            result_balance=entry["balance"], result_bonus=entry["bonus"], openid=entry["openid"]
        )

    async def create_card(self, call: Call) -> Reply:
        card = call.body.get("card")
        if not isinstance(card, dict) or card.get("card_type") != "GENERAL_CARD":
            return error(40097, "invalid args: card.card_type must be GENERAL_CARD")
        general = card.get("general_card")
        if not isinstance(general, dict) or general.get("sub_card_type") != "GIFT_CARD":
            return error(40097, "invalid args: general_card.sub_card_type must be GIFT_CARD")
        base = general.get("base_info")
        if not isinstance(base, dict) or not _text(base, "title"):
            return error(40097, "invalid args: base_info.title")
        for name, limit in _MAX_BYTES.items():
            text = expect(base.get(name, ""), str, f"base_info.{name}")
            if len(text.encode()) > limit:
                return error(45021, f"field length exceed limit: base_info.{name}")
        if expect(base.get("code_type", ""), str, "base_info.code_type") not in CODE_TYPES:
            return error(40072, "invalid code type: base_info.code_type")
        if expect(base.get("get_limit", 0), int, "base_info.get_limit") != 0:
            return error(40097, "invalid args: base_info.get_limit must be 0 for gift cards")
        date_info = expect(base.get("date_info") or {}, dict, "base_info.date_info")
        for name in ("begin_timestamp", "end_timestamp", "fixed_term", "fixed_begin_term"):
            if date_info.get(name) is not None:
                expect(date_info[name], int, f"base_info.date_info.{name}")
        card_id = "pEMU" + secrets.token_urlsafe(18)
        self.cards[card_id] = card
        return ok(card_id=card_id)

    async def upload_image(self, call: Call) -> Reply:
        image = _form_file(call.headers.get("content-type", ""), call.raw, "buffer")
        if not image:
            return error(41005, "media data missing: a multipart part named buffer")
        if not image.startswith(_IMAGE_MAGIC):
            return error(40005, "invalid file type: jpg or png")
        if len(image) > _MAX_IMAGE:
            return error(40009, "invalid image size: at most 1 MB")
        self.images.append(image)
        return 200, {"url": f"http://mmbiz.qpic.cn/emu/{len(self.images)}/0"}

    # -- shelves and payment setup ----------------------------------------------------------
    def _unknown_cards(self, page: dict[str, Any]) -> list[Any]:
        ids = []
        for n, theme in enumerate(expect(page.get("theme_list") or [], list, "page.theme_list")):
            where = f"page.theme_list[{n}]"
            items = expect(expect(theme, dict, where).get("item_list") or [], list, where)
            for m, item in enumerate(items):
                card_id = expect(item, dict, f"{where}.item_list[{m}]").get("card_id")
                ids.append(expect(card_id, str, f"{where}.item_list[{m}].card_id"))
        return [i for i in ids if i not in self.cards]

    async def add_page(self, call: Call) -> Reply:
        page = call.body.get("page")
        if not isinstance(page, dict) or not page.get("theme_list"):
            return error(40097, "invalid args: page.theme_list")
        unknown = self._unknown_cards(page)
        if unknown:
            return error(40073, f"invalid card_id {unknown[0]}")
        page_id = secrets.token_urlsafe(24)
        self.pages[page_id] = {**page, "page_id": page_id}
        return ok(page_id=page_id)

    async def get_page(self, call: Call) -> Reply:
        page = self.pages.get(str(call.body.get("page_id", "")))
        if page is None:
            return error(40097, "invalid args: page not exists")
        return ok(page=page)

    async def update_page(self, call: Call) -> Reply:
        page = expect(call.body.get("page") or {}, dict, "page")
        if expect(page.get("page_id") or "", str, "page.page_id") not in self.pages:
            return error(40097, "invalid args: page not exists")
        if self._unknown_cards(page):
            return error(40073, "invalid card_id")
        self.pages[page["page_id"]].update(page)
        return ok()

    async def list_pages(self, call: Call) -> Reply:
        return ok(page_id_list=sorted(self.pages))

    async def set_maintain(self, call: Call) -> Reply:
        body = call.body
        if body.get("all"):
            chosen = list(self.pages)
        elif expect(body.get("page_id") or "", str, "page_id") in self.pages:
            chosen = [body["page_id"]]
        else:
            return error(40097, "invalid args: page_id")
        maintain = bool(body.get("maintain", True))
        if body.get("all"):
            self.all_maintained = maintain
        if maintain:
            self.maintained.update(chosen)
        else:
            self.maintained.difference_update(chosen)
        # The document's control types: E_PAGE_CONTROL_BIZ where the merchant took shelves off,
        # E_PAGE_CONTROL_NORMAL where nobody did; the system (E_PAGE_CONTROL_SYSTEM) never does
        # here. The list covers every page of the merchant.
        pages = [
            {
                "page_id": p,
                "page_control_type": _CONTROL[p in self.maintained],
                "system_page_control_type": _CONTROL[False],
            }
            for p in sorted(self.pages)
        ]
        control = {
            "biz_control_type": _CONTROL[self.all_maintained],
            "system_biz_control_type": _CONTROL[False],
            "list": pages,
        }
        return ok(control_info=control)

    async def add_pay_whitelist(self, call: Call) -> Reply:
        sub_mch_id = _text(call.body, "sub_mch_id")
        if sub_mch_id is None:
            return error(40097, "invalid args: sub_mch_id")
        self.pay_whitelist.add(sub_mch_id)
        return ok(url=f"https://pay.weixin.qq.com/emu/confirm?mch={sub_mch_id}")

    async def bind_submch(self, call: Call) -> Reply:
        sub_mch_id, wxa = _text(call.body, "sub_mch_id"), _text(call.body, "wxa_appid")
        if sub_mch_id is None or wxa is None:
            return error(40097, "invalid args")
        if sub_mch_id not in self.pay_whitelist:
            return error(40097, "invalid args: sub_mch_id is not on the pay whitelist")
        self.submch[wxa] = sub_mch_id
        return ok()

    async def set_wxa(self, call: Call) -> Reply:
        wxa, page_id = _text(call.body, "wxa_appid"), _text(call.body, "page_id")
        if wxa is None or page_id not in self.pages:
            return error(40097, "invalid args: page_id")
        assert page_id is not None
        self.wxa[page_id] = wxa
        return ok()

    async def set_test_whitelist(self, call: Call) -> Reply:
        """Replaces the whole list, at most 10 accounts in all (the documented limit; the code
        over it is the card APIs' invalid-argument one)."""
        testers: dict[str, list[str]] = {}
        for key in ("openid", "username"):
            given = expect(call.body.get(key, []), list, key)
            testers[key] = [expect(v, str, f"{key}[{i}]") for i, v in enumerate(given)]
        if sum(len(v) for v in testers.values()) > _MAX_TESTERS:
            return error(40097, f"invalid args: at most {_MAX_TESTERS} testers")
        self.testers = testers
        return ok()

    # -- scenarios ---------------------------------------------------------------------------
    def buy(
        self, *, card_id: str, price: int, openid: str, page_id: str | None = None
    ) -> dict[str, Any]:
        """A user pays for one gift card now: the new order (and its code) exist at once."""
        rng = random.Random(self._seed + len(self.book))
        order = self.book.add_new(int(self._clock()), seed=rng.randrange(1 << 30))
        order.update(
            {
                "open_id": openid,
                "page_id": page_id or order.get("page_id"),
                "total_price": price,
                "card_list": [
                    {
                        "card_id": card_id,
                        "price": price,
                        "code": f"{rng.randrange(10**11, 10**12)}",
                        "default_gifting_msg": "",
                        "background_pic_url": "",
                    }
                ],
            }
        )
        return order


#: What ``uploadimg`` takes: JPEG or PNG (by content, not by name), 1 MB at most.
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_MAX_IMAGE = 1024 * 1024


def _form_file(content_type: str, body: bytes, name: str) -> bytes | None:
    """The bytes of the multipart/form-data part ``name``; None when there is none."""
    if not content_type.startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == name:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
