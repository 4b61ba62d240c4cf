"""The README's framework lines run as written: the apps they build answer WeChat at the bare
path and with a trailing slash (the ASGI ones here, under uvicorn or hypercorn's trio worker;
every adapter is tested in depth in this folder)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.integrations._scenario import Receiver
from wechat_async.testing._serve import AsgiServer

README = Path(__file__).resolve().parents[2] / "README.md"


def _framework_block() -> str:
    section = README.read_text(encoding="utf-8").split("## Receiving pushes", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) >= 2, "the section lost its framework example"
    assert "starlette_app.mount(" not in section.replace("`starlette_app.mount(", "")
    return str(blocks[1])


@pytest.mark.parametrize("app_name", ["starlette_app", "fastapi_app"])
async def test_readme_framework_lines_serve_pushes(app_name: str) -> None:
    receiver = Receiver(encrypted=False)
    namespace: dict[str, Any] = {"router": receiver.router, "__name__": "readme"}
    exec(compile(_framework_block(), str(README), "exec"), namespace)  # noqa: S102 - our README
    async with AsgiServer(namespace[app_name]) as server:
        await receiver.check(server.base_url, "/wechat/push", max_body=None)  # cap: elsewhere
