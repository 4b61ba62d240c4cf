"""``wechat-async emulator serve`` as the open platform: ``--platform-push-to`` sends verify
tickets on ``--ticket-interval`` and the ``authorized`` push of each ``--authorize``, encrypted
for the platform; the authorization codes are printed."""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
from click.testing import CliRunner

from wechat_async.callbacks import (
    Authorized,
    CallbackApp,
    CallbackRouter,
    ComponentVerifyTicket,
)
from wechat_async.cli import main
from wechat_async.testing import AsgiServer

TOKEN = "cli-platform-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
COMPONENT = "wxplatform000000"


async def test_serve_pushes_tickets_and_authorisations_to_the_platform() -> None:
    router = CallbackRouter(TOKEN, encoding_aes_key=AES_KEY, app_id=COMPONENT)
    tickets: list[str] = []
    authorized: list[Authorized] = []
    enough = anyio.Event()

    @router.on(ComponentVerifyTicket)
    async def ticket(event: ComponentVerifyTicket) -> None:
        tickets.append(event.component_verify_ticket)
        if len(tickets) >= 2:
            enough.set()

    @router.on(Authorized)
    async def granted(event: Authorized) -> None:
        authorized.append(event)

    async with AsgiServer(CallbackApp(router)) as server:
        command = [
            *(sys.executable, "-m", "wechat_async.cli", "emulator", "serve"),
            *("--port", "0", "--orders", "0", "--ticket-interval", "0.2"),
            *("--platform-push-to", server.base_url + "/wechat/platform"),
            *("--platform-push-token", TOKEN, "--platform-aes-key", AES_KEY),
            *("--authorize", "wxmerchant0001=51,8"),
        ]
        async with await anyio.open_process(command) as proc:
            assert proc.stdout is not None
            try:
                with anyio.fail_after(30):
                    line = b""
                    while not line.endswith(b"\n"):
                        line += await proc.stdout.receive(1)
                    await enough.wait()
            finally:
                proc.terminate()
    where: dict[str, Any] = json.loads(line)
    assert where["component_appid"] == COMPONENT
    code = where["authorization_codes"]["wxmerchant0001"]
    assert [(e.authorizer_appid, e.authorization_code) for e in authorized] == [
        ("wxmerchant0001", code)
    ]
    assert len(set(tickets)) == len(tickets) >= 2


def test_serve_refuses_a_platform_url_without_its_key() -> None:
    result = CliRunner().invoke(
        main,
        [
            "emulator",
            "serve",
            "--platform-push-to",
            "http://127.0.0.1:9/",
            "--platform-push-token",
            "t",
        ],
    )
    assert result.exit_code == 2
    assert "--platform-aes-key" in result.output


def test_serve_refuses_a_malformed_authorization() -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--authorize", "wxmerchant0001"])
    assert result.exit_code == 2
    assert "APPID=SETS" in result.output
