"""Every script of examples/ runs against the emulator, as its docstring says to run it, and
type-checks under ``mypy --strict``: they are what users copy."""

from __future__ import annotations

import ast
import base64
import collections
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from examples import delivery_flow, giftcard_orders_to_sqlite, push_receiver_fastapi
from tests._mypy import run_mypy
from tests.redis._server import RedisServer, free_port
from wechat_async import QuotaExceededError
from wechat_async.delivery import OrderStatus
from wechat_async.testing import Emulator, Quota, judge_reply, push_fields, sign_push

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TOKEN = "example-push-token"
JANUARY = "2026-01"  # the emulator's orders start on 2026-01-01 (UTC)
DELIVERY = "/cgi-bin/express/local/business/"


def _scripts() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))


def _aes_key() -> str:
    """A fresh EncodingAESKey: 43 characters of base64."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def _wechat_environ(
    monkeypatch: pytest.MonkeyPatch, wx: Emulator, *, aes_key: str | None = None
) -> dict[str, str]:
    """The variables the examples read, pointing at ``wx`` (set here, and returned for a
    subprocess)."""
    environ = {
        "WECHAT_APPID": wx.appid,
        "WECHAT_SECRET": wx.secret,
        "WECHAT_BASE_URL": wx.base_url,
        "WECHAT_PUSH_TOKEN": TOKEN,
    }
    if aes_key is not None:
        environ["WECHAT_PUSH_AES_KEY"] = aes_key
    else:
        monkeypatch.delenv("WECHAT_PUSH_AES_KEY", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **environ}


def _rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(query).fetchall()


# -- every example ---------------------------------------------------------------------------
def test_every_example_says_how_to_run_it_against_the_emulator_and_wechat() -> None:
    assert len(_scripts()) >= 4
    for script in _scripts():
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
        assert doc, f"{script.name} has no docstring"
        assert "against the emulator" in doc.lower(), f"{script.name}: against the emulator?"
        assert "against wechat" in doc.lower(), f"{script.name}: against WeChat?"
        assert "__main__" in script.read_text(encoding="utf-8"), f"{script.name} is no script"


def test_every_example_is_run_by_a_test() -> None:
    tests = [p.read_text(encoding="utf-8") for p in Path(__file__).parent.rglob("test_*.py")]
    for script in _scripts():
        assert any(script.stem in text for text in tests), f"no test runs {script.name}"


@pytest.mark.slow
def test_the_examples_pass_mypy_strict(mypy_cache: Path) -> None:
    code, output = run_mypy("examples", cache_dir=mypy_cache)
    assert code == 0, output


# -- push_receiver_fastapi -------------------------------------------------------------------
async def test_the_push_receiver_records_a_paid_gift_card_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wx, key, db = Emulator(), _aes_key(), tmp_path / "pushes.sqlite"
    _wechat_environ(monkeypatch, wx, aes_key=key)
    wx.push_to(
        "/wechat/push", TOKEN, app=push_receiver_fastapi.create_app(str(db)), encoding_aes_key=key
    )

    order = await wx.pay_gift_card(card_id="pCARD", price=10000, openid="oBuyer")
    first = wx.push_log[-1]
    assert first.accepted, first.verdict  # answered in safe mode, as WeChat wants
    assert (await wx.redeliver(first)).accepted  # WeChat's retry: acknowledged
    # A receiver restarted meanwhile has forgotten the push: its write is idempotent. At the
    # path with a trailing slash, it is answered directly (no redirect WeChat would not follow).
    restarted = push_receiver_fastapi.create_app(str(db))
    wx.push_to("/wechat/push/", TOKEN, app=restarted, encoding_aes_key=key)
    again = await wx.redeliver(first)
    assert (again.status, again.accepted) == (200, True)

    paid = _rows(db, "SELECT order_id, page_id FROM paid_orders")
    assert paid == [(order["order_id"], order["page_id"])]


async def test_the_push_receiver_keeps_the_newest_status_of_a_waybill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wx, key, db = Emulator(), _aes_key(), tmp_path / "pushes.sqlite"
    _wechat_environ(monkeypatch, wx, aes_key=key)
    app = push_receiver_fastapi.create_app(str(db))
    t = 1_790_000_000

    async def push(status: int, action_time: int) -> None:
        fields = push_fields(
            "update_waybill_status",
            shopid="shop",
            shop_order_id="A1",
            waybill_id="W1",
            order_status=status,
            action_time=action_time,
        )
        signed = sign_push(fields, token=TOKEN, encoding_aes_key=key, app_id=wx.appid)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            reply = await http.post(
                signed.url("/wechat/push"), content=signed.body, headers=dict(signed.headers)
            )
        accepted, why = judge_reply(
            fields,
            reply.status_code,
            reply.content,
            token=TOKEN,
            encoding_aes_key=key,
            app_id=wx.appid,
        )
        assert accepted, why

    # Out of order: delivered (302) before the rider's pickup (202) and its arrival (201).
    await push(OrderStatus.DELIVERED, t + 600)
    await push(OrderStatus.PICKED_UP, t + 60)
    await push(OrderStatus.RIDER_AT_STORE, t)
    assert _rows(db, "SELECT status, action_time FROM waybills") == [(302, t + 600)]
    # Two statuses in one second: the later in the flow wins, whichever comes last.
    await push(OrderStatus.RETURNED, t + 900)
    await push(OrderStatus.CANCELLED_RETURNING, t + 900)
    assert _rows(db, "SELECT status FROM waybills") == [(401,)]


async def test_the_push_receiver_refuses_plain_pushes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wx = Emulator()
    _wechat_environ(monkeypatch, wx, aes_key=_aes_key())
    app = push_receiver_fastapi.create_app(str(tmp_path / "pushes.sqlite"))
    signed = sign_push(push_fields("giftcard_pay_done", OrderId="O1"), token=TOKEN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        reply = await http.post(signed.url("/wechat/push"), content=signed.body)
    assert reply.status_code == 403
    assert _rows(tmp_path / "pushes.sqlite", "SELECT * FROM paid_orders") == []


# -- giftcard_orders_to_sqlite ---------------------------------------------------------------
def test_a_month_is_its_first_to_last_second_in_china_time() -> None:
    first, last = giftcard_orders_to_sqlite.month_bounds("2026-02")
    assert first.isoformat() == "2026-02-01T00:00:00+08:00"
    assert last.isoformat() == "2026-02-28T23:59:59+08:00"
    assert giftcard_orders_to_sqlite.month_bounds("2026-12")[1].day == 31


async def test_a_month_of_orders_lands_once_and_a_stopped_sync_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, batchget = tmp_path / "orders.sqlite", "/card/giftcard/order/batchget"
    # The daily quota runs out after a few pages: the sync stops with QuotaExceededError.
    async with Emulator(orders=5000, seed=1, quota=Quota(per_day=6)) as wx:
        _wechat_environ(monkeypatch, wx)
        first, last = (int(t.timestamp()) for t in giftcard_orders_to_sqlite.month_bounds(JANUARY))
        in_month = [o for o in wx.book.orders() if first <= o["create_time"] <= last]
        wanted = {o["order_id"] for o in in_month}
        pages = -(-len(wanted) // 100)
        assert pages >= 10

        with pytest.raises(QuotaExceededError):
            await giftcard_orders_to_sqlite.main(JANUARY, str(db), batch=100)
        saved = len(_rows(db, "SELECT order_id FROM orders"))
        assert 0 < saved < len(wanted)

        wx.app.quota = Quota()  # the next day
        read_before = wx.requests[batchget]
        assert await giftcard_orders_to_sqlite.main(JANUARY, str(db), batch=100) == len(wanted)
        # It went on from its checkpoint: the pages saved were not read again.
        assert wx.requests[batchget] - read_before <= pages - saved // 100 + 1
        assert {r[0] for r in _rows(db, "SELECT order_id FROM orders")} == wanted
        assert len(_rows(db, "SELECT order_id FROM orders")) == len(wanted)

        # A finished month's run reads nothing and changes nothing.
        read_before = wx.requests[batchget]
        assert await giftcard_orders_to_sqlite.main(JANUARY, str(db)) == len(wanted)
        assert wx.requests[batchget] == read_before
    totals = _rows(db, "SELECT sum(total_price) FROM orders")
    assert totals == [(sum(o["total_price"] for o in in_month),)]


# -- delivery_flow ---------------------------------------------------------------------------
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # uvicorn serves the push receiver
async def test_the_delivery_flow_quotes_orders_hears_the_status_and_cancels(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, key = free_port(), _aes_key()
    async with Emulator() as wx:
        wx.push_to(f"http://127.0.0.1:{port}/wechat/push", TOKEN, encoding_aes_key=key)
        _wechat_environ(monkeypatch, wx, aes_key=key)
        status = await delivery_flow.main(port)
    assert status.order_status == OrderStatus.RIDER_ASSIGNED
    (order,) = wx.delivery.orders.values()
    assert order["shop_order_id"] == status.shop_order_id
    assert order["order_status"] == OrderStatus.MERCHANT_CANCELLED
    calls = [r for r in wx.request_log if r.path.startswith(DELIVERY)]
    assert [r.path.removeprefix(DELIVERY) for r in calls] == [
        "order/pre_add",
        "order/add",
        "test_update_order",
        "order/cancel",
    ]
    assert calls[1].body is not None
    assert calls[1].body["delivery_token"]  # the quote's
    assert [a.accepted for a in wx.push_log] == [True, True]  # the rider's status, the cancel


# -- scripts run as their docstrings say -----------------------------------------------------
class _Served:
    """A script serving on a port: its output once it stopped."""

    def __init__(self, folder: Path) -> None:
        self.stdout, self.stderr = folder / "stdout", folder / "stderr"

    def output(self) -> tuple[str, str]:
        return self.stdout.read_text(), self.stderr.read_text()


@contextlib.asynccontextmanager
async def _serving(
    script: str, *args: str, env: dict[str, str], port: int, folder: Path
) -> AsyncIterator[_Served]:
    """``python examples/<script> --port <port> ARGS`` until it answers /healthz; stopped by
    Ctrl-C (SIGINT) on the way out."""
    served = _Served(folder)
    command = [sys.executable, str(EXAMPLES / script), "--port", str(port), *args]
    with served.stdout.open("w") as out, served.stderr.open("w") as err:
        process = await anyio.open_process(command, env=env, stdout=out, stderr=err)
    try:
        async with httpx.AsyncClient() as http:
            with anyio.fail_after(60):
                while process.returncode is None:
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get(f"http://127.0.0.1:{port}/healthz")).is_success:
                            break
                    await anyio.sleep(0.1)
        assert process.returncode is None, served.output()
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        with anyio.move_on_after(30, shield=True) as waiting:
            await process.wait()
        if waiting.cancelled_caught:
            process.kill()
        await process.aclose()


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_push_receiver_script_answers_the_documented_pushes(
    anyio_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wx, key, port, db = Emulator(), _aes_key(), free_port(), tmp_path / "pushes.sqlite"
    env = _wechat_environ(monkeypatch, wx, aes_key=key)
    url = f"http://127.0.0.1:{port}/wechat/push"
    script = "push_receiver_fastapi.py"
    async with _serving(script, "--db", str(db), env=env, port=port, folder=tmp_path):
        cli = [sys.executable, "-m", "wechat_async.cli", "emulator", "push"]
        for push in (["giftcard_pay_done", "-f", "OrderId=O1"], ["update_waybill_status"]):
            done = await anyio.run_process([*cli, *push, "--to", url], env=env, check=False)
            assert done.returncode == 0, done.stdout + done.stderr  # acknowledged
        wx.push_to(url, TOKEN, encoding_aes_key=key)
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        assert wx.push_log[-1].accepted
    paid = {r[0] for r in _rows(db, "SELECT order_id FROM paid_orders")}
    assert paid == {"O1", order["order_id"]}
    assert len(_rows(db, "SELECT * FROM waybills")) == 1


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_order_sync_script_syncs_a_month(
    anyio_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "orders.sqlite"
    async with Emulator(orders=2000, seed=2) as wx:
        env = _wechat_environ(monkeypatch, wx)
        script = [sys.executable, str(EXAMPLES / "giftcard_orders_to_sqlite.py")]
        done = await anyio.run_process([*script, JANUARY, "--db", str(db)], env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()
    count = len(_rows(db, "SELECT * FROM orders"))
    assert count > 500
    assert done.stdout.decode().startswith(f"{JANUARY}: {count} orders, ")


# -- redis_workers ---------------------------------------------------------------------------
@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()  # the test's own: no token of another test's emulator in it
    server.start()
    yield server
    server.close()


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_redis_workers_share_one_token_and_run_each_push_once(
    anyio_backend: str, tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, workers = free_port(), 3
    async with Emulator(orders=10) as wx:
        env = {**_wechat_environ(monkeypatch, wx), "REDIS_URL": redis_server.url}
        args = ("--workers", str(workers))
        async with _serving(
            "redis_workers.py", *args, env=env, port=port, folder=tmp_path
        ) as served:
            wx.push_to(f"http://127.0.0.1:{port}/wechat/push", TOKEN)
            orders = []
            for i in range(8):
                order = await wx.pay_gift_card(card_id="pCARD", price=100 + i, openid=f"o{i}")
                orders.append(order["order_id"])
            # WeChat retries each push, three at once, each on a connection of its own: any
            # worker may take any of them.
            async with anyio.create_task_group() as tasks:
                for attempt in list(wx.push_log):
                    for _ in range(3):
                        tasks.start_soon(wx.redeliver, attempt)
            with anyio.fail_after(60):
                await wx.settle()
    out, err = served.output()
    handled = [line.split() for line in out.splitlines() if line.startswith("worker ")]
    assert collections.Counter(words[3] for words in handled) == dict.fromkeys(orders, 1), err
    assert wx.requests["/cgi-bin/stable_token"] == 1  # one token for every worker
