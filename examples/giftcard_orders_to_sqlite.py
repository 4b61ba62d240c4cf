"""A month of gift-card orders into SQLite, each once, resuming where a crash, a quota or
Ctrl-C stopped the last run.

    export WECHAT_APPID=wx... WECHAT_SECRET=...
    python examples/giftcard_orders_to_sqlite.py 2026-01 --db orders.sqlite

Against WeChat: the Official Account's appid and secret, from a host on its IP whitelist.
Against the emulator: `wechat-async emulator serve --orders 20000` (orders from 2026-01-01 on),
then the same command with WECHAT_BASE_URL=http://127.0.0.1:8080 WECHAT_APPID=wxemulator000000
WECHAT_SECRET=emulator-app-secret.

Every 500 orders, the orders and the sync's checkpoint are committed in one transaction: a run
stopped anywhere goes on from its last commit, and an order read twice (a resume may read a
few again, never skip one) is kept once by its primary key. Sync months that are over: once a
month is done, its checkpoint makes the next run a no-op.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sqlite3
import sys

import anyio
import anyio.to_thread

from wechat_async import WeChatClient
from wechat_async.giftcard import Order, SyncCheckpoint, UnreadOrdersError

CHINA = dt.timezone(dt.timedelta(hours=8))  # WeChat Pay's day and month
SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, create_time INTEGER, total_price INTEGER,
    open_id TEXT, accepter_openid TEXT, page_id TEXT, trans_id TEXT
);
CREATE TABLE IF NOT EXISTS order_syncs (month TEXT PRIMARY KEY, checkpoint TEXT NOT NULL);
"""
SAVE_ORDER = "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
SAVE_CHECKPOINT = "INSERT OR REPLACE INTO order_syncs VALUES (?, ?)"


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last second of ``YYYY-MM``, China time."""
    first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(seconds=1)


async def main(month: str, db_path: str = "orders.sqlite", *, batch: int = 500) -> int:
    """Sync ``month`` into ``db_path``; returns how many of its orders the database holds."""
    begin, end = month_bounds(month)
    with contextlib.closing(sqlite3.connect(db_path, check_same_thread=False)) as db:
        db.executescript(SCHEMA)
        row = db.execute("SELECT checkpoint FROM order_syncs WHERE month = ?", (month,)).fetchone()
        checkpoint = SyncCheckpoint.from_dict(json.loads(row[0])) if row else None

        def save(orders: list[Order], checkpoint: SyncCheckpoint) -> None:
            with db:  # one transaction: the orders and where the sync stands
                db.executemany(SAVE_ORDER, [_row(order) for order in orders])
                db.execute(SAVE_CHECKPOINT, (month, json.dumps(checkpoint.to_dict())))

        async with WeChatClient() as client:  # WECHAT_APPID, WECHAT_SECRET, WECHAT_BASE_URL
            sync = client.giftcard.iter_orders(begin, end, checkpoint=checkpoint, concurrency=16)
            pending: list[Order] = []
            try:
                async with sync:  # pages are fetched ahead while the rows are written
                    async for order in sync:
                        pending.append(order)
                        if len(pending) == batch:
                            await anyio.to_thread.run_sync(save, pending, sync.checkpoint)
                            pending = []
            except UnreadOrdersError as exc:  # every other order was read: keep them
                for unread in exc.unread:
                    print(f"WeChat would not serve {unread}", file=sys.stderr)
            await anyio.to_thread.run_sync(save, pending, sync.checkpoint)

        count, fen = db.execute(
            "SELECT count(*), coalesce(sum(total_price), 0) FROM orders"
            " WHERE create_time BETWEEN ? AND ?",
            (int(begin.timestamp()), int(end.timestamp())),
        ).fetchone()
    print(f"{month}: {count} orders, {fen / 100:.2f} yuan in {db_path}")
    return int(count)


def _row(order: Order) -> tuple[object, ...]:
    return (
        order.order_id,
        order.create_time,
        order.total_price,
        order.open_id,
        order.accepter_openid,
        order.page_id,
        order.trans_id,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Sync a month of gift-card orders to SQLite.")
    parser.add_argument("month", help="YYYY-MM, China time")
    parser.add_argument("--db", default="orders.sqlite")
    args = parser.parse_args()
    anyio.run(main, args.month, args.db)
