"""Pushes as WeChat sends them: signed (plain) or in an encrypted envelope (safe mode), and
retried until the receiver gives the documented reply (``<xml>ok</xml>`` for gift-card
events, the ``update_waybill_status`` JSON with ``resultcode`` 0), on a shortened schedule.
Every attempt is kept in ``push_log``."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio
import attrs
import httpx

from ..callbacks._crypto import MessageCrypto
from ..callbacks._signature import sign

__all__ = ["PushAttempt", "PushTarget", "Pusher"]

#: WeChat retries pushes up to 30 times in 24 hours; here the same count, in seconds.
DEFAULT_SCHEDULE: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8) + (1.0,) * 25


@attrs.frozen
class PushTarget:
    """Where pushes go: the app's message URL, its push token, and for safe mode its
    EncodingAESKey (then ``app_id`` is the appid the envelope names)."""

    url: str
    token: str = attrs.field(repr=False)
    encoding_aes_key: str | None = attrs.field(default=None, repr=False)
    app_id: str = ""


@attrs.frozen
class PushAttempt:
    """One delivery attempt: what was sent, what came back, how long it took."""

    event: str
    key: str
    attempt: int
    status: int | None
    body: bytes
    reply: bytes
    seconds: float
    accepted: bool
    error: str | None = None


def _xml(fields: Mapping[str, Any]) -> str:
    inner = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>"
        for k, v in fields.items()
        if not isinstance(v, dict)
    )
    return f"<xml>{inner}</xml>"


class Pusher:
    def __init__(
        self,
        *,
        schedule: Sequence[float] = DEFAULT_SCHEDULE,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target: PushTarget | None = None
        self.schedule = tuple(schedule)
        self.timeout = timeout
        self._clock = clock
        self.log: list[PushAttempt] = []

    async def deliver(self, fields: dict[str, Any], *, as_json: bool = False) -> bool:
        """Push ``fields`` until accepted or the schedule runs out; True when accepted."""
        target = self.target
        if target is None:
            return False
        plain = json.dumps(fields, ensure_ascii=False) if as_json else _xml(fields)
        key = f"{fields.get('Event')}:{fields.get('OrderId') or fields.get('shop_order_id')}"
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            for attempt, pause in enumerate((0.0, *self.schedule)):
                await anyio.sleep(pause)
                query, body = self._signed(target, plain, as_json)
                started = time.perf_counter()
                status, reply, problem = None, b"", None
                try:
                    response = await http.post(
                        target.url,
                        params=query,
                        content=body,
                        headers={"content-type": "application/json" if as_json else "text/xml"},
                    )
                    status, reply = response.status_code, response.content
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                accepted = status == 200 and self._accepted(fields, reply, target, as_json)
                self.log.append(
                    PushAttempt(
                        str(fields.get("Event")),
                        key,
                        attempt,
                        status,
                        body,
                        reply,
                        time.perf_counter() - started,
                        accepted,
                        problem,
                    )
                )
                if accepted:
                    return True
        return False

    def _signed(
        self, target: PushTarget, plain: str, as_json: bool
    ) -> tuple[dict[str, str], bytes]:
        timestamp, nonce = str(int(self._clock())), secrets.token_hex(5)
        query = {"timestamp": timestamp, "nonce": nonce}
        query["signature"] = sign(target.token, timestamp, nonce)
        if target.encoding_aes_key is None:
            return query, plain.encode()
        crypto = MessageCrypto(target.token, target.encoding_aes_key, target.app_id)
        encrypt, msg_signature, _, _ = crypto.encrypt(plain, nonce=nonce, timestamp=timestamp)
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        envelope = {"ToUserName": "gh_emulator", "Encrypt": encrypt}
        return query, (json.dumps(envelope) if as_json else _xml(envelope)).encode()

    def _accepted(
        self, fields: dict[str, Any], reply: bytes, target: PushTarget, as_json: bool
    ) -> bool:
        text = reply.decode("utf-8", "replace").strip()
        if target.encoding_aes_key is not None and "Encrypt" in text:
            text = self._open(text, target, as_json) or text
        if fields.get("Event") == "update_waybill_status":
            try:
                data = json.loads(text) if text.startswith("{") else _xml_fields(text)
            except ValueError:
                return False
            return str(data.get("resultcode")) == "0"
        return text == "<xml>ok</xml>" or text == "success"

    def _open(self, text: str, target: PushTarget, as_json: bool) -> str | None:
        assert target.encoding_aes_key is not None
        crypto = MessageCrypto(target.token, target.encoding_aes_key, target.app_id)
        try:
            data = json.loads(text) if text.startswith("{") else _xml_fields(text)
            return crypto.decrypt(
                str(data["MsgSignature"]),
                str(data["TimeStamp"]),
                str(data["Nonce"]),
                data["Encrypt"],
            )
        except Exception:
            return None


def _xml_fields(text: str) -> dict[str, Any]:
    from ..callbacks._parse import body_fields

    return dict(body_fields(text.encode()))
