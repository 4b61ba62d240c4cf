"""The wechat-async command: the order sync, one-off calls and serving, against the emulator."""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from click.testing import CliRunner

from wechat_async.cli import main
from wechat_async.cli._orders import _Reporter
from wechat_async.giftcard import SyncProgress


def _sync(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["orders", "sync", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_sync_from_fake_server_writes_every_order_once(tmp_path: Path) -> None:
    out = tmp_path / "orders.jsonl"
    code, output = _sync("--emulator", "1500", "--out", str(out), "--concurrency", "8")
    assert code == 0, output
    lines = out.read_text(encoding="utf-8").splitlines()
    orders = [json.loads(line) for line in lines]
    assert len({o["order_id"] for o in orders}) == len(orders) == 1500
    assert all(isinstance(o["IsChatRoom"], bool) for o in orders)
    assert "synced 1,500 orders (¥" in output


def test_checkpoint_makes_a_second_run_a_no_op(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    args = ("--emulator", "700", "--out", str(out), "--checkpoint", str(checkpoint))
    assert _sync(*args)[0] == 0
    state = json.loads(checkpoint.read_text())
    assert state["sync"]["window"] == 4  # all four windows of the fake's 100 days done
    assert state["out_size"] == out.stat().st_size
    code, output = _sync(*args)
    assert code == 0, output
    assert "synced 0 orders" in output
    assert len(out.read_text().splitlines()) == 700


def test_real_mode_needs_credentials_and_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    monkeypatch.delenv("WECHAT_SECRET", raising=False)
    code, output = _sync("--out", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert "--appid" in output
    code, output = _sync("--appid", "wx1", "--secret", "s", "--out", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert "--begin" in output


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _sync(
        "--appid",
        "wx1",
        "--secret",
        "s",
        "--begin",
        "last tuesday",
        "--end",
        "2026-01-02",
        "--out",
        str(tmp_path / "o.jsonl"),
    )
    assert code == 2
    assert "YYYY-MM-DD" in output


@pytest.mark.slow
def test_failure_message_never_shows_the_secret(tmp_path: Path) -> None:
    secret = "super-secret-value-123"
    code, output = _sync(
        "--appid",
        "wx1",
        "--secret",
        secret,
        "--base-url",
        "http://127.0.0.1:9",
        "--begin",
        "2026-01-01",
        "--end",
        "2026-01-02",
        "--out",
        str(tmp_path / "o.jsonl"),
    )
    assert code == 1
    assert "Error" in output
    assert secret not in output


def test_progress_is_plain_lines_without_a_terminal(tmp_path: Path) -> None:
    code, output = _sync("--emulator", "900", "--out", str(tmp_path / "o.jsonl"))
    assert code == 0, output
    lines = [line for line in output.splitlines() if line.startswith("windows ")]
    assert lines[-1].startswith("windows 4/4")
    assert "\x1b[" not in output  # no terminal escape codes in logs


def _fake_in_subprocess() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wechat_async.testing", "--orders", "600"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        yield proc, proc.stdout.readline().split()[1:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.fixture
def fake_server() -> Iterator[list[str]]:
    """base_url, appid, secret of a fake WeChat in another process (the CLI runs its own loop)."""
    for _, details in _fake_in_subprocess():
        yield details


@pytest.mark.slow
def test_real_mode_syncs_from_a_server_and_never_prints_the_secret(
    tmp_path: Path, fake_server: list[str]
) -> None:
    base_url, appid, secret = fake_server
    out = tmp_path / "o.jsonl"
    common = ["--appid", appid, "--base-url", base_url, "--out", str(out)]
    # China time (UTC+8): 08:00 on 2026-01-01 is the fake's first order (00:00 UTC)
    dates = ["--begin", "2026-01-01T08:00", "--end", "2026-04-12"]
    code, output = _sync(*common, "--secret", secret, *dates)
    assert code == 0, output
    assert len(out.read_text().splitlines()) == 600
    assert secret not in output
    code, output = _sync(*common, "--secret", "wrong-secret-456", *dates)
    assert code == 1
    assert "40125" in output
    assert "wrong-secret-456" not in output


def test_unreadable_checkpoint_is_an_error_not_a_fresh_start(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "o.jsonl", tmp_path / "sync.json"
    out.write_text('{"order_id": "kept"}\n')
    checkpoint.write_text('{"window": 1}')
    code, output = _sync("--emulator", "50", "--out", str(out), "--checkpoint", str(checkpoint))
    assert code == 2  # a checkpoint that does not fit is a usage error
    assert "not a checkpoint" in output
    assert out.read_text() == '{"order_id": "kept"}\n'  # nothing overwritten


def _ids_in(out: Path) -> list[str]:
    if out.suffix == ".sqlite":
        with sqlite3.connect(out) as db:
            return [row[0] for row in db.execute("SELECT order_id FROM orders")]
    if out.suffix == ".csv":
        with out.open(newline="", encoding="utf-8") as f:
            return [row["order_id"] for row in csv.DictReader(f)]
    return [json.loads(line)["order_id"] for line in out.read_text().splitlines()]


#: Orders in the killed-and-resumed syncs; the soak size is set from the environment
#: (``WECHAT_ASYNC_KILLED_ORDERS=30000``), the suite's is small.
KILLED_ORDERS = int(os.environ.get("WECHAT_ASYNC_KILLED_ORDERS", "5000"))


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".sqlite"])
def test_killed_mid_sync_then_resumed_writes_every_order_once(
    tmp_path: Path, suffix: str, stop: signal.Signals
) -> None:
    out, checkpoint = tmp_path / f"orders{suffix}", tmp_path / "sync.json"
    args = ["--emulator", str(KILLED_ORDERS), "--out", str(out), "--checkpoint", str(checkpoint)]
    # Slow enough (5 ms a page, one at a time) to be killed after a periodic checkpoint.
    slow = ["--latency", "0.005", "--concurrency", "1"]
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "wechat_async.cli", "orders", "sync", *args, *slow],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not checkpoint.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # more orders written after the checkpoint: they must not repeat
    finally:
        os.kill(proc.pid, stop)
        proc.wait(timeout=10)
    saved = json.loads(checkpoint.read_text())
    assert saved["out_size"] > 0
    # stopped mid-way, not after the end; Ctrl-C as a shell reports it (128 + SIGINT)
    assert proc.returncode == {signal.SIGINT: 130}.get(stop, -stop), proc.returncode
    code, output = _sync(*args)
    assert code == 0, output
    ids = _ids_in(out)
    assert len(ids) == len(set(ids)) == KILLED_ORDERS
    # The same file as an uninterrupted run (the same emulator seed): byte for byte, or for
    # SQLite the same rows in the same order.
    fresh = tmp_path / f"fresh{suffix}"
    code, output = _sync("--emulator", str(KILLED_ORDERS), "--out", str(fresh))
    assert code == 0, output
    assert _contents(out) == _contents(fresh)


def _contents(out: Path) -> bytes | list[tuple[object, ...]]:
    if out.suffix == ".sqlite":
        with sqlite3.connect(out) as db:
            return list(db.execute("SELECT * FROM orders ORDER BY rowid"))
    return out.read_bytes()


def test_a_date_only_end_includes_that_whole_day(tmp_path: Path) -> None:
    out = tmp_path / "orders.jsonl"
    # 1,000 orders over 100 days from 2026-01-01 00:00 UTC (08:00 China time): 10 a day.
    code, output = _sync(
        "--emulator",
        "1000",
        "--begin",
        "2026-01-01T08:00",
        "--end",
        "2026-01-02",
        "--out",
        str(out),
    )
    assert code == 0, output
    created = [json.loads(line)["create_time"] for line in out.read_text().splitlines()]
    last_second = 1_767_225_600 + 2 * 86400 - 8 * 3600 - 1  # 2026-01-02 23:59:59 China time
    assert max(created) <= last_second
    assert max(created) > last_second - 86400  # orders of the 2nd day are in


def test_an_unwritable_out_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    code, output = _sync("--emulator", "10", "--out", str(tmp_path / "missing-dir" / "o.jsonl"))
    assert code == 1
    assert "cannot write" in output
    assert "Traceback" not in output


def test_an_unwritable_checkpoint_is_one_line_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text('{"order_id": "kept"}\n')
    checkpoint = tmp_path / "missing-dir" / "sync.json"
    code, output = _sync("--emulator", "10", "--out", str(out), "--checkpoint", str(checkpoint))
    assert code == 1
    assert output.splitlines()[-1].startswith(f"Error: cannot write {checkpoint}"), output
    assert "Traceback" not in output
    assert out.read_text() == '{"order_id": "kept"}\n'  # checked before OUT is truncated


#: WeChat's request ids: ``hint: [<14 alphanumerics>]`` on the card APIs, three groups of
#: eight hex digits elsewhere.
_HINT = re.compile(r"[0-9A-Za-z]{14}")
_RID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")


def _printed_rid(output: str, form: re.Pattern[str]) -> str:
    """The rid the message names, in the form of the reply's errmsg, named once (the errmsg is
    quoted without it)."""
    named = re.search(r", rid: (\S+)\) at ", output)
    assert named, output
    rid = named.group(1)
    assert form.fullmatch(rid), output
    assert output.count(rid) == 1, output
    assert len(set(rid.replace("-", ""))) > 3, rid  # not a placeholder like xxxx
    return rid


@pytest.mark.slow
def test_one_off_calls_print_json_and_api_errors_exit_1() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "wechat_async.testing", "--orders", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        _, base_url, appid, secret = server.stdout.readline().split()
        common = ["--appid", appid, "--secret", secret, "--base-url", base_url]
        runner = CliRunner()
        found = runner.invoke(main, ["orders", "get", "FAKE00000001", *common])
        assert found.exit_code == 0, found.output
        assert json.loads(found.output)["order"]["order_id"] == "FAKE00000001"
        missing = runner.invoke(main, ["orders", "get", "NOPE", *common])
        assert missing.exit_code == 1
        assert "errcode 40097" in missing.output
        rid = _printed_rid(missing.output, _HINT)
        again = runner.invoke(main, ["orders", "get", "NOPE", *common])
        assert _printed_rid(again.output, _HINT) != rid  # each reply's own id
        assert secret not in missing.output
        wrong = ["--appid", appid, "--secret", "wrong-secret-789", "--base-url", base_url]
        refused = runner.invoke(main, ["orders", "get", "FAKE00000001", *wrong])
        assert refused.exit_code == 1
        assert "40125" in refused.output
        _printed_rid(refused.output, _RID)  # the token API's newer form
        assert "wrong-secret-789" not in refused.output
        usage = runner.invoke(main, ["orders", "get"])
        assert usage.exit_code == 2
        gone = runner.invoke(main, ["code", "get", "123", *common])
        assert gone.exit_code == 1
        assert "40056" in gone.output
        _printed_rid(gone.output, _HINT)
        delivery = runner.invoke(
            main,
            [
                "delivery",
                "order",
                "get",
                *common,
                "--shopid",
                "test_shop_id",
                "--carrier-secret",
                "test_app_secrect",
                "--shop-order-id",
                "none",
            ],
        )
        assert delivery.exit_code == 1
        assert "930563" in delivery.output
        _printed_rid(delivery.output, _HINT)
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stdout is not None
        server.stdout.close()


@pytest.mark.slow
def test_emulator_serve_prints_where_it_listens() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wechat_async.cli",
            "emulator",
            "serve",
            "--port",
            "0",
            "--orders",
            "20",
            "--seed",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        where = json.loads(proc.stdout.readline())
        stats = httpx.get(where["base_url"] + "/__emulator__/stats").json()
        assert stats["orders"] == 20
        assert where["appid"]
        assert where["secret"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


def _lines_of(stream: IO[str]) -> queue.Queue[str]:
    """A subprocess's lines as they come, read by a thread, so every wait can be bounded."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _next_line(lines: queue.Queue[str], wanted: str, seen: list[str]) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no line with {wanted!r} within 30 s, after {seen}") from None
        seen.append(line)
        if wanted in line:
            return line


#: the demo's pushes, in the order the emulator makes them
_DEMO_EVENTS = ["GiftCardPayDone", "GiftCardUserAccept", "UserGetCard", "UserAuthorizeInvoice"]


@pytest.mark.slow
@pytest.mark.parametrize("aes_key", [None, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"])
def test_callbacks_serve_with_the_emulator_prints_its_pushes_and_keeps_it_serving(
    aes_key: str | None,
) -> None:
    command = [sys.executable, "-m", "wechat_async.cli", "callbacks", "serve", "--port", "0"]
    safe_mode = ["--aes-key", aes_key] if aes_key else []
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--emulator", *safe_mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = _lines_of(proc.stdout), _lines_of(proc.stderr)
    printed: list[str] = []
    notices: list[str] = []
    try:
        _, base_url, appid, secret = _next_line(err, "emulator listening", notices).split()[1:]
        events = []
        while "UpdateWaybillStatus" not in [e["event"] for e in events]:
            _next_line(out, "", printed)
            events.append(json.loads(printed[-1]))  # one JSON object a line
        assert [e["event"] for e in events[:4]] == _DEMO_EVENTS, printed
        assert events[-1]["shop_order_id"] == "DEMO1"
        assert events[0]["OrderId"] == events[1]["OrderId"] == events[3]["SuccOrderId"]
        # The demo is over (0.2 s more lets an emulator scoped to it stop): it still answers,
        # and takes the printed appid and secret.
        time.sleep(0.2)
        stats = httpx.get(base_url + "/__emulator__/stats", timeout=10)
        assert stats.status_code == 200
        token = httpx.get(
            base_url + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": appid, "secret": secret},
            timeout=10,
        ).json()
        assert token.get("access_token"), token
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize("emulated", [["--emulator"], ["--appid", "wx1"]])
def test_callbacks_serve_with_a_malformed_aes_key_is_a_usage_error(emulated: list[str]) -> None:
    key = "not-a-key-" * 3
    result = CliRunner().invoke(
        main, ["callbacks", "serve", "--token", "t", "--aes-key", key, *emulated]
    )
    assert result.exit_code == 2, result.output
    assert "--aes-key" in result.output
    assert "43 characters" in result.output
    assert key not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_a_rich_bar_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    reporter = _Reporter()
    reporter.update(SyncProgress(windows_total=2, pages_done=3, orders_done=250, orders_total=1000))
    reporter.close()
    drawn = terminal.getvalue()
    assert "25%" in drawn  # 250 of 1000
    assert "\x1b[" in drawn  # drawn as a live bar, not plain lines
    assert "of about" not in drawn  # the plain lines' wording
    assert "windows 0/2" in drawn
    assert "250/1,000" in drawn
    assert "orders/s" in drawn
