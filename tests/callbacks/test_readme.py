"""The README's "Receiving pushes" example runs as written and serves a real push."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from wechat_async.callbacks import MessageCrypto
from wechat_async.callbacks._signature import sign

README = Path(__file__).resolve().parents[2] / "README.md"
TOKEN, KEY, APPID = "readme-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxreadme"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## Receiving pushes", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the section lost its example"
    return match.group(1)


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plain", "safe-mode"])
async def test_readme_example_serves_a_gift_card_push(
    monkeypatch: pytest.MonkeyPatch, safe_mode: bool
) -> None:
    monkeypatch.setenv("WECHAT_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APPID", APPID)
    if safe_mode:
        monkeypatch.setenv("WECHAT_PUSH_AES_KEY", KEY)
    else:
        monkeypatch.delenv("WECHAT_PUSH_AES_KEY", raising=False)
    recorded: list[str] = []

    async def record_payment(order_id: str) -> None:
        recorded.append(order_id)

    namespace: dict[str, Any] = {"record_payment": record_payment}
    exec(compile(_example(), str(README), "exec"), namespace)  # noqa: S102 - our own README

    now, nonce = str(int(time.time())), "r1"
    body = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>{now}"
        "</CreateTime><MsgType>event</MsgType><Event>giftcard_pay_done</Event>"
        "<OrderId>README-1</OrderId></xml>"
    )
    query = {"signature": sign(TOKEN, now, nonce), "timestamp": now, "nonce": nonce}
    box = MessageCrypto(TOKEN, KEY, APPID)
    if safe_mode:
        encrypt, query["msg_signature"], _, _ = box.encrypt(body, nonce=nonce, timestamp=now)
        body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    transport = httpx.ASGITransport(app=namespace["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://push") as http:
        reply = await http.post("/wechat/push", params=query, content=body.encode())
    assert reply.status_code == 200
    if safe_mode:
        fields = {child.tag: child.text for child in etree.fromstring(reply.content)}
        plain = box.decrypt(
            fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
        )
        assert plain == "<xml>ok</xml>"
    else:
        assert reply.text == "<xml>ok</xml>"
    assert recorded == ["README-1"]
