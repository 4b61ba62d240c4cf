"""Pushes as WeChat sends them, and as it judges the answers.

``push_fields(kind)`` gives the fields of a push of any kind, ``sign_push(fields, token=...)``
signs it (plain) or wraps it in the encrypted envelope of safe mode, as XML or JSON. The
``Pusher`` delivers pushes over HTTP or in-process to an ASGI app, each attempt freshly signed
(a new nonce, the current timestamp), and retries them on a schedule until the receiver gives
the documented reply: ``<xml>ok</xml>`` for gift-card pushes, the JSON (or XML) reply with
``resultcode`` 0 for ``update_waybill_status``, ``success`` (or nothing) for the rest. Every
attempt is kept in ``Pusher.log``.
"""

from __future__ import annotations

import copy
import json
import secrets
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlencode

import anyio
import attrs
import httpx

from ..callbacks._crypto import MessageCrypto
from ..callbacks._errors import CallbackError
from ..callbacks._signature import sign

__all__ = [
    "DEFAULT_SCHEDULE",
    "PUSH_KINDS",
    "TEST_SCHEDULE",
    "PushAttempt",
    "PushTarget",
    "Pusher",
    "SignedPush",
    "judge_reply",
    "push_fields",
    "sign_push",
]

#: WeChat pushes up to 30 times in 24 hours (the first attempt and 29 retries); here the
#: same count, in seconds.
DEFAULT_SCHEDULE: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8) + (1.0,) * 24
#: The pytest fixture's: three quick retries, so a test of a failing handler takes 0.07 s.
TEST_SCHEDULE: tuple[float, ...] = (0.01, 0.02, 0.04)
#: How long WeChat waits for an answer before it counts the attempt as failed.
PUSH_TIMEOUT = 5.0
#: The openid WeChat's own system pushes come from (the delivery pushes' FromUserName).
WECHAT_TEAM = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
#: The emulator's Official Account / Mini Program original id (every push's ToUserName).
ORIGINAL_ID = "gh_emulator0000"
#: ``push_log`` keeps this many attempts, the oldest dropped first.
MAX_LOG = 10_000

_GIFT_CARD_OK = "<xml>ok</xml>"
DataFormat = Literal["XML", "JSON"]


@attrs.frozen
class _Kind:
    #: how WeChat wants it acknowledged: "ok", "waybill" or "success"
    reply: str
    #: the format WeChat sends it in unless the receiver is set up otherwise
    data_format: DataFormat
    sample: Mapping[str, Any]


#: Every push kind the emulator knows, with example fields (the documented examples' shapes).
PUSH_KINDS: Mapping[str, _Kind] = {
    "giftcard_pay_done": _Kind(
        "ok", "XML", {"FromUserName": "oEMUbuyer", "PageId": "fakepage0", "OrderId": "EMU1"}
    ),
    "giftcard_send_to_friend": _Kind(
        "ok",
        "XML",
        {
            "FromUserName": "oEMUbuyer",
            "PageId": "fakepage0",
            "OrderId": "EMU1",
            "IsChatRoom": "false",
            "IsReturnBack": "false",
        },
    ),
    "giftcard_user_accept": _Kind(
        "ok",
        "XML",
        {
            "FromUserName": "oEMUfriend",
            "PageId": "fakepage0",
            "OrderId": "EMU1",
            "IsChatRoom": "false",
        },
    ),
    "user_get_card": _Kind(
        "success",
        "XML",
        {
            "FromUserName": "oEMUfriend",
            "CardId": "pFAKEcard0",
            "IsGiveByFriend": 1,
            "UserCardCode": "226009850808",
            "FriendUserName": "oEMUbuyer",
            "OldUserCardCode": "",
            "SourceScene": "SOURCE_SCENE_USER_ACCEPT_GIFTCARD",
        },
    ),
    "user_gifting_card": _Kind(
        "success",
        "XML",
        {
            "FromUserName": "oEMUbuyer",
            "CardId": "pFAKEcard0",
            "UserCardCode": "226009850808",
            "IsReturnBack": 0,
            "FriendUserName": "oEMUfriend",
            "IsChatRoom": 0,
        },
    ),
    "user_authorize_invoice": _Kind(
        "success",
        "XML",
        {
            "FromUserName": "oEMUbuyer",
            "SuccOrderId": "EMU1",
            "AppId": "wxemulator000000",
            "Source": "web",
        },
    ),
    "update_waybill_status": _Kind(
        "waybill",
        "JSON",
        {
            "FromUserName": WECHAT_TEAM,
            "shopid": "test_shop_id",
            "shop_order_id": "EMU1",
            "shop_no": "",
            "waybill_id": "EMU000000000001",
            "action_time": 0,
            "order_status": 102,
            "action_msg": "",
            "agent": {"name": "骑手", "phone": "13800000000"},
        },
    ),
}
_OTHER = _Kind("success", "XML", {"FromUserName": "oEMUbuyer"})


def push_fields(kind: str, *, now: float | None = None, **fields: Any) -> dict[str, Any]:
    """The fields of a ``kind`` push (its ``Event``) as WeChat sends them, with example values;
    ``fields`` override or add to them (None removes one). Any event name works: an unknown
    one gets the fields every push carries.

    >>> push_fields("giftcard_pay_done", OrderId="O1")["OrderId"]
    'O1'
    """
    created = int(time.time() if now is None else now)
    base: dict[str, Any] = {
        "ToUserName": ORIGINAL_ID,
        "FromUserName": "",
        "CreateTime": created,
        "MsgType": "event",
        "Event": kind,
    }
    base.update(copy.deepcopy(dict(PUSH_KINDS.get(kind, _OTHER).sample)))
    if kind == "update_waybill_status":
        base["action_time"] = created
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def data_format_of(kind: str) -> DataFormat:
    """The format WeChat sends ``kind`` in by default (JSON for the Mini Program's delivery
    pushes, XML for the rest)."""
    return PUSH_KINDS.get(kind, _OTHER).data_format


@attrs.frozen
class SignedPush:
    """A push ready to send: ``POST`` ``body`` with ``headers`` to your URL plus ``query``.

    Test a router without HTTP: ``await router.handle("POST", push.query, push.body,
    push.headers)``.
    """

    query: Mapping[str, str]
    body: bytes
    headers: Mapping[str, str]
    #: the push's own fields (inside the envelope when encrypted)
    fields: Mapping[str, Any]

    def url(self, base: str) -> str:
        """``base`` with this push's query appended."""
        return base + ("&" if "?" in base else "?") + urlencode(dict(self.query))


def sign_push(
    fields: Mapping[str, Any],
    *,
    token: str,
    encoding_aes_key: str | None = None,
    app_id: str | None = None,
    data_format: DataFormat | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> SignedPush:
    """Sign ``fields`` as WeChat signs a push to a receiver configured with ``token``.

    With ``encoding_aes_key`` (safe mode) the fields travel encrypted for ``app_id``, with
    ``encrypt_type=aes`` and ``msg_signature`` beside the plain ``signature``. ``data_format``
    defaults to the kind's usual one (``data_format_of``); ``timestamp`` to now and ``nonce``
    to a fresh random one (a router accepts each pair once).

    >>> push = sign_push(push_fields("giftcard_pay_done"), token="my-push-token")
    >>> sorted(push.query)
    ['nonce', 'openid', 'signature', 'timestamp']
    """
    if not token:
        raise ValueError("token is required: the push token your receiver checks")
    as_json = (data_format or data_format_of(str(fields.get("Event", "")))) == "JSON"
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = nonce or str(secrets.randbelow(10**10))
    query = {"signature": sign(token, stamp, once), "timestamp": stamp, "nonce": once}
    if fields.get("FromUserName"):
        query["openid"] = str(fields["FromUserName"])
    plain = _encode(fields, as_json)
    if encoding_aes_key is not None:
        if not app_id:
            raise ValueError("app_id is required with encoding_aes_key")
        crypto = MessageCrypto(token, encoding_aes_key, app_id)
        encrypt, msg_signature, _, _ = crypto.encrypt(plain, nonce=once, timestamp=stamp)
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        envelope = {"ToUserName": fields.get("ToUserName", ORIGINAL_ID), "Encrypt": encrypt}
        if "InfoType" in fields:  # to a third-party platform: its appid names the envelope
            envelope = {"AppId": fields.get("AppId", app_id), "Encrypt": encrypt}
        plain = _encode(envelope, as_json)
    content_type = "application/json" if as_json else "text/xml"
    return SignedPush(query, plain.encode("utf-8"), {"content-type": content_type}, dict(fields))


def _encode(fields: Mapping[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return f"<xml>{_xml_items(fields)}</xml>"


def _xml_items(fields: Mapping[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        if isinstance(value, Mapping):
            parts.append(f"<{key}>{_xml_items(value)}</{key}>")
        elif isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"<{key}>{value}</{key}>")
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            # "]]>" would end the section early; split it across two sections.
            parts.append(f"<{key}><![CDATA[{text.replace(']]>', ']]]]><![CDATA[>')}]]></{key}>")
    return "".join(parts)


@attrs.frozen
class PushTarget:
    """Where pushes go: the app's message URL (or, with ``app``, the URL or path to ask that
    ASGI app for, in-process), its push token, and for safe mode its EncodingAESKey (then
    ``app_id`` is the appid the envelope names)."""

    url: str
    token: str = attrs.field(repr=False)
    encoding_aes_key: str | None = attrs.field(default=None, repr=False)
    app_id: str = ""
    app: Any = attrs.field(default=None, repr=False)
    #: the Mini Program / Official Account's data format setting (None: each kind's usual)
    data_format: DataFormat | None = None


@attrs.frozen
class PushAttempt:
    """One delivery attempt: what was sent, what came back, how long it took, and whether
    WeChat would count it as acknowledged (``verdict`` says why, or why not)."""

    event: str
    key: str
    attempt: int
    status: int | None
    body: bytes
    reply: bytes
    seconds: float
    accepted: bool
    error: str | None = None
    #: the push's fields (what ``Emulator.redeliver`` sends again)
    fields: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    data_format: DataFormat = "XML"
    verdict: str = ""


def judge_reply(
    fields: Mapping[str, Any],
    status: int | None,
    reply: bytes,
    *,
    token: str = "",
    encoding_aes_key: str | None = None,
    app_id: str = "",
) -> tuple[bool, str]:
    """Whether WeChat counts ``reply`` as the acknowledgement of the push ``fields``, and why.

    Encrypted replies are opened with ``encoding_aes_key`` first (safe mode may answer in an
    envelope or plain).
    """
    if status is None:
        return False, "no answer: WeChat retries"
    if 300 <= status < 400:
        return False, f"HTTP {status}: WeChat does not follow redirects, and retries"
    if status != 200:
        return False, f"HTTP {status}: WeChat retries"
    text = reply.decode("utf-8", "replace").strip()
    if encoding_aes_key is not None and "Encrypt" in text:
        opened = _open(text, token, encoding_aes_key, app_id)
        if opened is None:
            return False, "an encrypted reply that does not decrypt: WeChat retries"
        text = opened.strip()
    kind = PUSH_KINDS.get(str(fields.get("Event", "")).lower(), _OTHER)
    if kind.reply == "ok":
        if text == _GIFT_CARD_OK:
            return True, "acknowledged (<xml>ok</xml>)"
        return (
            False,
            f"gift-card pushes need the body <xml>ok</xml>, got {text[:40]!r}: WeChat retries",
        )
    if kind.reply == "waybill":
        try:
            data = json.loads(text) if text.startswith("{") else _xml_fields(text)
        except (ValueError, CallbackError):
            data = {}
        if isinstance(data, dict) and str(data.get("resultcode")) == "0":
            return True, "acknowledged (resultcode 0)"
        return (
            False,
            f"delivery pushes need a reply with resultcode 0, got {text[:40]!r}: WeChat retries",
        )
    if text in ("", "success"):
        return True, f"acknowledged ({text or 'empty body'})"
    return False, f"expected 'success' or an empty body, got {text[:40]!r}: WeChat retries"


def _open(text: str, token: str, encoding_aes_key: str, app_id: str) -> str | None:
    try:
        data = json.loads(text) if text.startswith("{") else _xml_fields(text)
        crypto = MessageCrypto(token, encoding_aes_key, app_id)
        return crypto.decrypt(
            str(data["MsgSignature"]), str(data["TimeStamp"]), str(data["Nonce"]), data["Encrypt"]
        )
    except Exception:  # any malformed envelope is "does not decrypt"
        return None


def _xml_fields(text: str) -> dict[str, Any]:
    from ..callbacks._parse import body_fields

    return dict(body_fields(text.encode()))


_SSL: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    # Built once: loading the CA bundle for every push would cost more than the push.
    global _SSL
    if _SSL is None:
        _SSL = ssl.create_default_context()
    return _SSL


class Pusher:
    """Delivers pushes to ``target`` and keeps every attempt in ``log``."""

    def __init__(
        self,
        *,
        schedule: Sequence[float] = DEFAULT_SCHEDULE,
        timeout: float = PUSH_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target: PushTarget | None = None
        self.schedule = tuple(schedule)
        self.timeout = timeout
        self._clock = clock
        self.log: list[PushAttempt] = []
        #: called with each attempt as it is logged (the CLI prints them)
        self.on_attempt: Callable[[PushAttempt], None] | None = None

    async def attempt(
        self, fields: Mapping[str, Any], number: int, data_format: DataFormat | None = None
    ) -> PushAttempt:
        """One delivery attempt, freshly signed; logged, and returned."""
        target = self.target
        if target is None:
            raise RuntimeError("no push target: call push_to() first")
        kind = data_format or target.data_format or data_format_of(str(fields.get("Event", "")))
        push = sign_push(
            fields,
            token=target.token,
            encoding_aes_key=target.encoding_aes_key,
            app_id=target.app_id,
            data_format=kind,
            timestamp=int(self._clock()),
            nonce=secrets.token_hex(8),
        )
        started = time.perf_counter()
        status, reply, problem = None, b"", None
        try:
            with anyio.fail_after(self.timeout):
                status, reply = await self._post(target, push)
        except TimeoutError:
            problem = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        except _AppRaised as exc:  # a server would have answered 500
            status, problem = 500, str(exc)
        accepted, verdict = judge_reply(
            fields,
            status,
            reply,
            token=target.token,
            encoding_aes_key=target.encoding_aes_key,
            app_id=target.app_id,
        )
        if problem is not None:
            verdict = f"{problem}; {verdict}"
        event = str(fields.get("Event") or fields.get("InfoType"))
        record = PushAttempt(
            event,
            f"{event}:{_subject(fields)}",
            number,
            status,
            push.body,
            reply,
            time.perf_counter() - started,
            accepted,
            problem,
            dict(fields),
            kind,
            verdict,
        )
        self.log.append(record)
        if len(self.log) > MAX_LOG:
            del self.log[: len(self.log) - MAX_LOG]
        if self.on_attempt is not None:
            self.on_attempt(record)
        return record

    async def retry(self, fields: Mapping[str, Any], data_format: DataFormat | None = None) -> bool:
        """The attempts after a first one that was not acknowledged, on the schedule; True
        once one is."""
        for number, pause in enumerate(self.schedule, start=1):
            await anyio.sleep(pause)
            if self.target is None:
                return False
            if (await self.attempt(fields, number, data_format)).accepted:
                return True
        return False

    async def _post(self, target: PushTarget, push: SignedPush) -> tuple[int, bytes]:
        headers = {**push.headers, "user-agent": "Mozilla/4.0"}
        if target.app is not None:
            transport = httpx.ASGITransport(app=target.app, client=("127.0.0.1", 0))
            url = target.url if "://" in target.url else "http://localhost" + target.url
            async with httpx.AsyncClient(transport=transport) as http:
                try:
                    response = await http.post(
                        url, params=push.query, content=push.body, headers=headers
                    )
                except Exception as exc:
                    raise _AppRaised(f"the app raised {type(exc).__name__}: {exc}") from exc
        else:
            async with httpx.AsyncClient(verify=_ssl_context(), timeout=self.timeout) as http:
                response = await http.post(
                    target.url, params=push.query, content=push.body, headers=headers
                )
        return response.status_code, response.content


class _AppRaised(Exception):
    """The in-process app raised instead of answering."""


def _subject(fields: Mapping[str, Any]) -> str:
    for name in (
        "OrderId",
        "shop_order_id",
        "UserCardCode",
        "SuccOrderId",
        "FailOrderId",
        "AuthorizerAppid",
    ):
        if fields.get(name):
            return str(fields[name])
    return ""
