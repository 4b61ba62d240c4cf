"""WeChat's pushes in a FastAPI app, safe (encrypted) mode: paid gift cards and delivery
status changes recorded in SQLite, each once however often WeChat retries.

    pip install 'wechat-async[fastapi,crypto]' uvicorn
    export WECHAT_APPID=wx... WECHAT_PUSH_TOKEN=... WECHAT_PUSH_AES_KEY=...
    python examples/push_receiver_fastapi.py --port 8000 --db pushes.sqlite

Against the emulator: from a second shell with the same environment (any token; any key of
43 letters and digits), send signed, encrypted pushes as WeChat would, and see whether
WeChat would take the answer:

    wechat-async emulator push giftcard_pay_done --to http://127.0.0.1:8000/wechat/push \
        -f OrderId=O1
    wechat-async emulator push update_waybill_status --to http://127.0.0.1:8000/wechat/push

Against WeChat: serve it behind HTTPS and give WeChat https://<your host>/wechat/push with the
same token and EncodingAESKey, message encryption set to safe mode.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3

import anyio.to_thread
import uvicorn
from fastapi import FastAPI

from wechat_async.callbacks import CallbackRouter, GiftCardPayDone, UpdateWaybillStatus
from wechat_async.integrations.fastapi import callback_api_router

SCHEMA = """
CREATE TABLE IF NOT EXISTS paid_orders (
    order_id TEXT PRIMARY KEY, page_id TEXT, paid_at INTEGER
);
CREATE TABLE IF NOT EXISTS waybills (
    shopid TEXT, shop_order_id TEXT, waybill_id TEXT, status INTEGER, action_time INTEGER,
    PRIMARY KEY (shopid, shop_order_id)
);
"""
RECORD_PAYMENT = "INSERT INTO paid_orders VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
# Statuses can arrive out of order (a retry of an older one after a newer one): keep the
# newest by action_time, then by status, which grows along the flow (102, 201, 302...).
RECORD_STATUS = """
INSERT INTO waybills VALUES (?, ?, ?, ?, ?)
ON CONFLICT (shopid, shop_order_id) DO UPDATE SET
    waybill_id = excluded.waybill_id, status = excluded.status,
    action_time = excluded.action_time
WHERE (excluded.action_time, excluded.status) > (waybills.action_time, waybills.status)
"""


def create_app(db_path: str = "pushes.sqlite") -> FastAPI:
    """The app, recording into the SQLite file ``db_path``."""

    def execute(sql: str, *params: object) -> None:
        with contextlib.closing(sqlite3.connect(db_path)) as db, db:  # commits on success
            db.execute(sql, params)

    with contextlib.closing(sqlite3.connect(db_path)) as db:
        db.executescript(SCHEMA)

    # Gift-card pushes come to the Official Account's URL, delivery pushes to the Mini
    # Program's: if they are two accounts, include a second router (its own token, key and
    # appid) at a second path.
    router = CallbackRouter(
        token=os.environ["WECHAT_PUSH_TOKEN"],
        encoding_aes_key=os.environ["WECHAT_PUSH_AES_KEY"],  # plain pushes are refused
        app_id=os.environ["WECHAT_APPID"],
    )

    # The router runs a handler once per push (retries are acknowledged, not run again); the
    # writes are idempotent too, for a push that comes back after a crash or a restart.
    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        await anyio.to_thread.run_sync(
            execute, RECORD_PAYMENT, event.order_id, event.page_id, event.create_time
        )

    @router.on(UpdateWaybillStatus)
    async def status_changed(event: UpdateWaybillStatus) -> None:
        status = None if event.order_status is None else int(event.order_status)
        action_time = event.action_time or event.create_time
        await anyio.to_thread.run_sync(
            execute,
            RECORD_STATUS,
            event.shopid,
            event.shop_order_id,
            event.waybill_id,
            status,
            action_time,
        )

    app = FastAPI()
    # Answers /wechat/push and /wechat/push/ alike: WeChat does not follow redirects.
    app.include_router(callback_api_router(router, "/wechat/push"))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Receive WeChat's pushes into SQLite.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="pushes.sqlite")
    args = parser.parse_args()
    uvicorn.run(create_app(args.db), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
