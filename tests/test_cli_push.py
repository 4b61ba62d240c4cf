"""``wechat-async emulator push KIND --to URL`` and ``emulator serve --push-to URL``: signed
pushes to a running app, and WeChat's view of its answers."""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from wechat_async import WeChatClient
from wechat_async.callbacks import (
    CallbackApp,
    CallbackRouter,
    Event,
    GiftCardPayDone,
    UpdateWaybillStatus,
)
from wechat_async.cli import main
from wechat_async.testing import AsgiServer

TOKEN = "cli-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wxclipush0000000"
#: a closed port on loopback (these arguments are refused before anything is sent)
NOWHERE = "http://127.0.0.1:9/"
BAD_KEY = "!" * 43
PUSH = [sys.executable, "-m", "wechat_async.cli", "emulator", "push"]


def _app(encrypted: bool = False) -> tuple[CallbackApp, list[Any]]:
    router = CallbackRouter(
        TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
        app_id=APPID if encrypted else None,
    )
    seen: list[Any] = []

    @router.on(Event)
    async def record(event: Event) -> None:
        seen.append(event)

    return CallbackApp(router), seen


async def _push(*args: str) -> tuple[int, dict[str, Any], str]:
    done = await anyio.run_process([*PUSH, *args], check=False)
    out = done.stdout.decode()
    return done.returncode, (json.loads(out) if out.strip() else {}), done.stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_push_sends_a_signed_push_and_prints_wechats_view(encrypted: bool) -> None:
    app, seen = _app(encrypted)
    safe = ["--aes-key", AES_KEY, "--appid", APPID] if encrypted else []
    async with AsgiServer(app) as server:
        url = server.base_url + "/wechat/push"
        code, shown, err = await _push(
            "giftcard_pay_done", "--to", url, "--token", TOKEN, "-f", "OrderId=O1", *safe
        )
        assert code == 0, (shown, err)
        assert shown["status"] == 200
        assert shown["accepted"] is True
        assert shown["verdict"] == "acknowledged (<xml>ok</xml>)"
        assert (shown["event"], shown["url"]) == ("giftcard_pay_done", url)
        if not encrypted:
            assert shown["reply"] == "<xml>ok</xml>"
        code, shown, _ = await _push(
            "update_waybill_status",
            "--to",
            url,
            "--token",
            TOKEN,
            "-f",
            "order_status=302",
            "--without",
            "agent",
            "--format",
            "xml",
            *safe,
        )
        assert code == 0
    paid, moved = seen
    assert isinstance(paid, GiftCardPayDone)
    assert paid.order_id == "O1"
    assert isinstance(moved, UpdateWaybillStatus)
    assert (moved.order_status, moved.agent) == (302, None)
    assert TOKEN not in err


@pytest.mark.slow
async def test_push_exits_1_when_wechat_would_retry() -> None:
    async def success(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        status, body = (307, b"") if scope["path"] == "/moved" else (200, b"success")
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async with AsgiServer(success) as server:
        code, shown, err = await _push(
            "giftcard_pay_done", "--to", server.base_url + "/push", "--token", TOKEN
        )
        assert (code, shown["status"], shown["accepted"]) == (1, 200, False)
        assert "<xml>ok</xml>" in shown["verdict"]
        assert "<xml>ok</xml>" in err
        code, shown, _ = await _push(
            "giftcard_pay_done", "--to", server.base_url + "/moved", "--token", TOKEN
        )
        assert (code, shown["status"]) == (1, 307)
        assert "does not follow redirects" in shown["verdict"]
        code, shown, _ = await _push(
            "user_get_card", "--to", server.base_url + "/push", "--token", TOKEN
        )
        assert (code, shown["accepted"]) == (0, True)  # "success" is right for this one
    code, shown, _ = await _push("giftcard_pay_done", "--to", server.base_url, "--token", TOKEN)
    assert (code, shown["status"], shown["accepted"]) == (1, None, False)  # nothing listens


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["giftcard_pay_done", "--to", "http://127.0.0.1:9/"], "--token"),
        (["giftcard_pay_done", "--to", NOWHERE, "--token", "t", "-f", "OrderId"], "NAME=VALUE"),
        (
            ["update_waybill_status", "--to", NOWHERE, "--token", "t", "-f", "order_status=x"],
            "not a whole number",
        ),
        (
            ["giftcard_pay_done", "--to", NOWHERE, "--token", "t", "--aes-key", AES_KEY],
            "--appid",
        ),
        (
            [
                *("giftcard_pay_done", "--to", NOWHERE, "--token", "t"),
                *("--aes-key", BAD_KEY, "--appid", APPID),
            ],
            "not valid base64",
        ),
        ([" ", "--to", NOWHERE, "--token", "t"], "name the event"),
        (["giftcard_pay_done", "--to", NOWHERE, "--token", "t", "--format", "yaml"], "yaml"),
    ],
)
def test_push_refuses_bad_input_with_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["emulator", "push", *args], env={"WECHAT_PUSH_TOKEN": ""})
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert BAD_KEY not in result.output


@pytest.mark.slow
async def test_serve_push_to_forwards_the_pushes_api_calls_cause() -> None:
    app, seen = _app()
    async with AsgiServer(app) as server:
        url = server.base_url + "/wechat/push"
        command = [
            sys.executable,
            "-m",
            "wechat_async.cli",
            "emulator",
            "serve",
            "--port",
            "0",
            "--orders",
            "0",
            "--push-to",
            url,
            "--push-token",
            TOKEN,
        ]
        async with await anyio.open_process(command) as proc:
            assert proc.stdout is not None
            assert proc.stderr is not None
            try:
                with anyio.fail_after(30):
                    line = b""
                    while not line.endswith(b"\n"):
                        line += await proc.stdout.receive(1)
                where = json.loads(line)
                client = WeChatClient(where["appid"], where["secret"], base_url=where["base_url"])
                async with client:
                    client.delivery.add_account(
                        shopid="test_shop_id", app_secret="test_app_secrect", delivery_id="TEST"
                    )
                    from tests.delivery.test_delivery import ORDER

                    body = {**ORDER, "shopid": "test_shop_id", "shop_order_id": "CLI1"}
                    quote = await client.delivery.pre_add_order(**body)
                    await client.delivery.add_order(
                        **body, delivery_token=quote.delivery_token or ""
                    )
                    await client.delivery.mock_update_order(
                        shopid="test_shop_id", shop_order_id="CLI1", order_status=102, action_time=1
                    )
                # answered before the call returned
                assert [type(e) for e in seen] == [UpdateWaybillStatus]
                err = b""
                with anyio.fail_after(30):
                    while b"acknowledged" not in err:
                        err += await proc.stderr.receive()
                text = err.decode()
                assert f"push update_waybill_status attempt 0 -> {url}: HTTP 200" in text
                assert TOKEN not in text
            finally:
                proc.terminate()
                with anyio.move_on_after(10):
                    await proc.wait()


def test_serve_push_to_needs_a_token() -> None:
    result = CliRunner().invoke(
        main,
        ["emulator", "serve", "--push-to", "http://127.0.0.1:9/"],
        env={"WECHAT_PUSH_TOKEN": ""},
    )
    assert result.exit_code == 2
    assert "--push-token" in result.output
