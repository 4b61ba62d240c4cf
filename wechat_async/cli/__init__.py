"""The ``wechat-async`` command (the ``cli`` extra: click, rich, uvicorn).

    wechat-async orders sync --emulator 20000 --out orders.jsonl
    WECHAT_APPID=wx... WECHAT_SECRET=... wechat-async orders sync \\
        --begin 2026-01-01 --end 2026-04-30 --out orders.csv --checkpoint sync.json
    wechat-async orders get ORDER_ID | jq .
    wechat-async emulator serve --port 8080 --orders 50000 --seed 1
    wechat-async emulator push giftcard_pay_done --to http://127.0.0.1:8000/wechat/push \
        --token my-push-token -f OrderId=ORDER1

Exit codes: 0 ok, 1 an API, network or file error (the message names errcode and rid), 2 usage,
3 synced but some orders unread, 130 Ctrl-C, 141 stdout closed (docs/cli.md).
"""

from __future__ import annotations

from . import _calls, _orders, _push, _serve  # noqa: F401 - they add their commands to main
from ._main import main

__all__ = ["main"]
