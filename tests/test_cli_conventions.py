"""The wechat-async command as click and rich users expect: exit codes (0, 1, 2, 3, 130 on
Ctrl-C, 141 on a closed pipe), one-line errors naming the option, ``-`` for stdout, options
that do nothing refused, case-insensitive choices, required options marked, plurals, progress
that fits 80 columns and ends at the real total, --debug and --quiet, ``serve --host``."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

import wechat_async
from tests.emulated import served
from wechat_async import WeChatClient
from wechat_async.cli import main
from wechat_async.cli._orders import _Reporter
from wechat_async.testing import Emulator, Faults

CLI = [sys.executable, "-m", "wechat_async.cli"]
#: a closed port on loopback: whatever reaches it fails to connect
NOWHERE = "http://127.0.0.1:9"
#: a sync slow enough to be interrupted mid-way (5 ms a page, one page at a time)
SLOW = ["--latency", "0.005", "--concurrency", "1"]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def _one_error_line(result: Result, code: int) -> str:
    """The run ended with ``code`` and one ``Error:`` line (after click's usage lines), no
    traceback; that line."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip().endswith(errors[0]), result.stderr  # the last line
    return errors[0]


# --- exit 2: usage errors name the option, in one line ----------------------------------


def test_a_reversed_range_names_end_not_end_time(tmp_path: Path) -> None:
    """Issue 20: exited 1 with "end_time: must not be before begin_time"."""
    result = _run(
        *("orders", "sync", "--appid", "wx1", "--secret", "s" * 12, "--base-url", NOWHERE),
        *("--begin", "2026-02-01", "--end", "2026-01-01", "--out", str(tmp_path / "o.jsonl")),
    )
    line = _one_error_line(result, 2)
    assert line == "Error: Invalid value for '--end': must not be before '--begin'"
    assert not (tmp_path / "o.jsonl").exists()


def test_an_unreadable_date_names_its_option(tmp_path: Path) -> None:
    result = _run(
        *("orders", "sync", "--appid", "wx1", "--secret", "s" * 12),
        *("--begin", "2026-01-01", "--end", "next friday", "--out", str(tmp_path / "o.jsonl")),
    )
    assert "Invalid value for '--end': 'next friday'" in _one_error_line(result, 2)


def test_an_empty_order_id_is_a_usage_error_naming_the_argument() -> None:
    """Issue 20: exited 1 (an API error) though nothing was sent."""
    result = _run(
        "orders", "get", "", "--appid", "wx1", "--secret", "s" * 12, "--base-url", NOWHERE
    )
    assert _one_error_line(result, 2) == "Error: Invalid value for 'ORDER_ID': must not be empty"


def test_missing_credentials_name_the_options_and_their_variables(tmp_path: Path) -> None:
    env = {"WECHAT_APPID": "", "WECHAT_SECRET": ""}
    result = _run("orders", "sync", "--out", str(tmp_path / "o.jsonl"), env=env)
    line = _one_error_line(result, 2)
    for name in ("'--appid'", "WECHAT_APPID", "'--secret'", "'--begin'", "'--end'"):
        assert name in line
    result = _run("orders", "get", "ID", env=env)
    assert "Missing option '--appid'" in _one_error_line(result, 2)
    result = _run("orders", "get", "ID", "--appid", " ", "--secret", "s" * 12)
    assert _one_error_line(result, 2).endswith(
        "'--appid' (env var: 'WECHAT_APPID'): must not be empty"
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["orders", "sync", "--latency", "0.1", "--begin", "1", "--end", "2"], "'--latency'"),
        (["orders", "sync", "--emulator", "5", "--base-url", NOWHERE], "'--base-url'"),
        (["orders", "sync", "--emulator", "5", "--appid", "wx1"], "'--appid'"),
        (["orders", "sync", "--emulator", "5", "--secret", "s" * 12], "'--secret'"),
        (["orders", "sync", "--emulator", "5", "--checkpoint", "c.json"], "'--checkpoint'"),
        (["emulator", "serve", "--push-token", "t"], "'--push-token'"),
        (["emulator", "serve", "--push-aes-key", "k" * 43], "'--push-aes-key'"),
        (["callbacks", "serve", "--token", "t", "--appid", "wx1"], "'--appid'"),
        (["callbacks", "serve", "--emulator", "--appid", "wx1"], "'--appid'"),
        (["emulator", "push", "x", "--to", NOWHERE, "--token", "t", "--appid", "wx1"], "'--appid'"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_an_option_that_does_nothing_here_is_refused(
    args: list[str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: --latency without --emulator and --base-url with it were silently ignored.
    (--out - goes with the --checkpoint case: stdout cannot be cut back for a resume.)"""
    monkeypatch.chdir(tmp_path)
    if args[:2] == ["orders", "sync"]:
        args = [*args, "--out", "-" if "--checkpoint" in args else "o.jsonl"]
        args += ["--appid", "wx1", "--secret", "s" * 12] if "--latency" in args else []
    env = {"WECHAT_PUSH_TOKEN": "", "WECHAT_APPID": "", "WECHAT_SECRET": ""}
    line = _one_error_line(_run(*args, env=env), 2)
    assert named in line
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_an_option_from_the_environment_is_not_refused(tmp_path: Path) -> None:
    """WECHAT_APPID set for everyday use does not stop a run with --emulator."""
    env = {"WECHAT_APPID": "wxeveryday", "WECHAT_SECRET": "everyday-secret"}
    result = _run("orders", "sync", "--emulator", "5", "--out", str(tmp_path / "o"), env=env)
    assert result.exit_code == 0, result.output


def test_choices_ignore_case(tmp_path: Path) -> None:
    """Issue 20: --sort desc was refused."""
    out = tmp_path / "o.jsonl"
    result = _run("orders", "sync", "--emulator", "50", "--sort", "desc", "--out", str(out))
    assert result.exit_code == 0, result.output
    created = [json.loads(line)["create_time"] for line in out.read_text().splitlines()]
    assert len(created) == 50
    assert created[0] > created[-1]  # newest first


def _options_help(*command: str) -> dict[str, str]:
    """Each option's line in ``command --help``, wrapped lines joined, by its first name."""
    entries: dict[str, str] = {}
    name = ""
    for line in _run(*command, "--help").output.splitlines():
        if line.startswith("  -"):
            name = line.split()[0].rstrip(",")
            entries[name] = " ".join(line.split())
        elif name and line.startswith("    "):
            entries[name] += " " + " ".join(line.split())
    return entries


def test_required_options_are_marked_in_help() -> None:
    """Issue 20: --begin and --end were not shown as required."""
    sync = _options_help("orders", "sync")
    assert sync["--out"].endswith("[required]")
    for option in ("--appid", "--secret", "--begin", "--end"):
        assert "[required without --emulator]" in sync[option], sync[option]
    assert "[env var: WECHAT_APPID]" in sync["--appid"]
    get = _options_help("orders", "get")
    assert get["--appid"].endswith("[env var: WECHAT_APPID; required]")
    assert get["--secret"].endswith("[env var: WECHAT_SECRET; required]")
    assert "[required]" in _options_help("emulator", "push")["--to"]


# --- stdout, plurals, progress, --quiet, --debug ------------------------------------------


def test_out_dash_writes_json_lines_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: created a file named "-"."""
    monkeypatch.chdir(tmp_path)
    result = _run("orders", "sync", "--emulator", "120", "--out", "-")
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["order_id"] for line in result.stdout.splitlines()]
    assert len(set(ids)) == len(ids) == 120
    assert "synced 120 orders" in result.stderr
    assert "to stdout in" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("count", "noun"), [(1, "order"), (2, "orders"), (0, "orders")])
def test_counts_are_plural_only_when_not_one(tmp_path: Path, count: int, noun: str) -> None:
    """Issue 20: "synced 1 orders"."""
    result = _run("orders", "sync", "--emulator", str(count), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert f"emulator with {count} {noun} at" in result.stderr
    assert f"synced {count} {noun} (" in result.stderr


def test_plain_progress_ends_at_the_real_total(tmp_path: Path) -> None:
    """Issue 20: the last line stopped short of the orders written (the last page's orders
    are yielded after its report)."""
    result = _run("orders", "sync", "--emulator", "1534", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("windows ")]
    assert progress[-1].endswith("orders 1,534 of 1,534"), progress
    assert progress[-1].startswith("windows 4/4")


def _frames(drawn: str) -> list[str]:
    """What a terminal shows, line by line: escape codes out, split at CR and LF."""
    return [line for line in re.split(r"[\r\n]", _ANSI.sub("", drawn)) if line.strip()]


class _Terminal:
    """A stderr that says it is a terminal."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise OSError("not a real file")


def test_the_progress_bar_fits_80_columns_and_ends_at_the_real_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rich Console 80 columns wide (COLUMNS=80), fed a real sync's progress; issue 20: the
    line was cut, and ended at 15,300 of 15,334."""
    terminal = _Terminal()
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "stderr", terminal)
    reporter = _Reporter()

    async def sync() -> None:
        async with Emulator(orders=15_334) as wx, wx.client() as client:
            orders = client.giftcard.iter_orders(
                wx.start_time, wx.end_time, concurrency=16, progress=reporter.update
            )
            async with orders:
                async for _ in orders:
                    pass
            reporter.finish(orders.progress)

    try:
        anyio.run(sync)
    finally:
        reporter.close()
    frames = _frames("".join(terminal.parts))
    assert frames
    assert max(cell_len(frame) for frame in frames) <= 80, frames
    assert not any("…" in frame for frame in frames), frames  # nothing cut short
    assert "windows 4/4" in frames[-1]
    assert "100%" in frames[-1]
    assert "15,334/15,334" in frames[-1]


@pytest.mark.slow
def test_on_a_terminal_80_columns_wide_the_bar_fits_and_ends_at_the_real_total(
    tmp_path: Path,
) -> None:
    """The whole command with its stderr on a pseudo-terminal and COLUMNS=80."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm-256color"}
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "orders", "sync", "--emulator", "15334", "--out", str(tmp_path / "o.jsonl")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    drawn = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command closed its end
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert proc.wait(timeout=30) == 0, drawn
    frames = _frames(drawn.decode("utf-8", "replace"))
    bars = [frame for frame in frames if frame.startswith("windows ")]
    too_wide = [(cell_len(bar), bar) for bar in bars if cell_len(bar) > 80]
    assert not too_wide, drawn
    assert "15,334/15,334" in bars[-1], bars[-3:]
    assert frames[-1].startswith("synced 15,334 orders"), frames[-1]


def test_quiet_prints_no_progress_and_no_summary_but_still_errors(tmp_path: Path) -> None:
    quiet = _run("orders", "sync", "--emulator", "300", "--out", str(tmp_path / "o"), "--quiet")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert len((tmp_path / "o").read_text().splitlines()) == 300
    failed = _run(
        *("orders", "sync", "--emulator", "3", "-q"),
        *("--out", str(tmp_path / "missing-dir" / "o.jsonl")),
    )
    assert _one_error_line(failed, 1).startswith("Error: cannot write")
    assert "emulator with" not in failed.stderr


@pytest.mark.slow  # the retries' backoff
def test_debug_logs_the_sdks_records_on_stderr_with_secrets_masked() -> None:
    secret = "debug-test-app-secret"
    logger = logging.getLogger("wechat_async")
    before = (list(logger.handlers), logger.level)
    fails = {"/card/giftcard/order/get": Faults(system_error=1.0)}  # retried, at DEBUG
    with served(orders=5, secret=secret, path_faults=fails) as wx:
        common = ["--appid", wx.appid, "--secret", secret, "--base-url", wx.base_url]
        result = _run("orders", "get", "FAKE00000001", *common, "--debug")
        tokens = list(wx.tokens._tokens)
    assert tokens  # a token was issued, and used on each attempt
    assert result.exit_code == 1, result.output
    debug = [line for line in result.stderr.splitlines() if " DEBUG wechat_async" in line]
    assert any("retrying /card/giftcard/order/get" in line for line in debug), result.stderr
    assert secret not in result.output
    for token in tokens:
        assert token not in result.output
    assert (list(logger.handlers), logger.level) == before  # logging left as it was
    quiet = _run("orders", "get", "FAKE00000001", "--appid", "wx1", "--secret", "s" * 12)
    assert " DEBUG " not in quiet.output  # not without --debug


# --- exit 130 on Ctrl-C, 141 on a closed pipe ----------------------------------------------


def _interrupt_when(proc: subprocess.Popen[str], ready: Path) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while not (ready.exists() and ready.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=30)


@pytest.mark.slow
def test_ctrl_c_exits_130_saying_how_to_resume(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "o.jsonl", tmp_path / "sync.json"
    args = [*CLI, "orders", "sync", "--emulator", "5000", "--out", str(out)]
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*args, *SLOW, "--checkpoint", str(checkpoint)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = _interrupt_when(proc, checkpoint)
    assert proc.returncode == 130, err
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("Interrupted: "), err
    assert f"run the same command again to resume from {checkpoint}" in last
    assert "Aborted!" not in err
    assert "Traceback" not in err
    again = subprocess.run(  # noqa: S603 - our own command
        [*args, "--checkpoint", str(checkpoint)], capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stderr
    ids = [json.loads(line)["order_id"] for line in out.read_text().splitlines()]
    assert len(set(ids)) == len(ids) == 5000


@pytest.mark.slow
def test_ctrl_c_without_a_checkpoint_says_a_rerun_starts_over(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "orders", "sync", "--emulator", "5000", "--out", str(out), *SLOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = _interrupt_when(proc, out)
    assert proc.returncode == 130, err
    last = err.rstrip().splitlines()[-1]
    assert re.fullmatch(
        rf"Interrupted: [\d,]+ orders? written to {re.escape(str(out))}; "
        r"with no --checkpoint a re-run starts over",
        last,
    ), err
    assert "resume" not in last


def test_ctrl_c_in_a_one_off_call_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(anyio, "run", interrupted)
    result = _run("orders", "get", "ID", "--appid", "wx1", "--secret", "s" * 12)
    assert result.exit_code == 130, result.output
    assert result.stderr == "Interrupted: stopped before it finished\n"


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    """`wechat-async orders sync --out - | head -1`: issue 20 found exit 1 in silence; now what
    a shell reports for `git log | head` (128 + SIGPIPE), and nothing on stderr but notices."""
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "orders", "sync", "--emulator", "20000", "--out", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.communicate(timeout=60)[1].decode()
    assert json.loads(first)["order_id"]
    assert proc.returncode == 141, err
    assert "Error" not in err
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_push_receiver_stops_when_its_reader_goes(tmp_path: Path) -> None:
    """`wechat-async callbacks serve --emulator | head -1`: the receiver stops (141) instead
    of serving on with nowhere to print."""
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "callbacks", "serve", "--port", "0", "--emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        assert json.loads(proc.stdout.readline())["event"] == "GiftCardPayDone"
        proc.stdout.close()
        err = proc.communicate(timeout=60)[1].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 141, err
    assert "Traceback" not in err


# --- servers: --host, a port in use, Ctrl-C ---------------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", [["emulator", "serve"], ["callbacks", "serve", "--token", "t"]])
def test_a_port_in_use_is_one_line(command: list[str], taken_port: int) -> None:
    """Issue 20: a full traceback."""
    result = _run(*command, "--port", str(taken_port))
    line = _one_error_line(result, 1)
    assert line.startswith(f"Error: cannot listen on 127.0.0.1:{taken_port}: ")
    assert line.endswith("pass another --port (0 picks a free one)")


def test_a_host_not_on_this_machine_is_one_line() -> None:
    result = _run("emulator", "serve", "--host", "192.0.2.1", "--port", "0")  # TEST-NET-1
    line = _one_error_line(result, 1)
    assert line.startswith("Error: cannot listen on 192.0.2.1:0: ")
    assert "--host" in line


@pytest.mark.slow
def test_emulator_serve_listens_on_host_and_stops_on_ctrl_c_with_exit_0() -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "emulator", "serve", "--host", "127.0.0.2", "--port", "0", "--orders", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        where = json.loads(proc.stdout.readline())
        assert where["base_url"].startswith("http://127.0.0.2:")
        stats = httpx.get(where["base_url"] + "/__emulator__/stats", timeout=10).json()
        assert stats["orders"] == 3
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err  # Ctrl-C is how a server stops
    assert "Traceback" not in err


async def test_an_embedded_server_leaves_ctrl_c_to_the_program() -> None:
    """uvicorn took SIGINT while the CLI's emulator ran: Ctrl-C stopped only the server, and
    the sync went on to fail against a closed port (exit 1, not 130)."""
    before = signal.getsignal(signal.SIGINT)
    async with Emulator(orders=1) as wx, WeChatClient(wx.appid, wx.secret, base_url=wx.base_url):
        assert signal.getsignal(signal.SIGINT) is before


# --- the version ---------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    result = _run("--version")
    assert result.exit_code == 0
    assert result.output == f"wechat-async, version {wechat_async.__version__}\n"


def test_the_version_is_written_once() -> None:
    """A release changes one line: the build reads wechat_async.__version__ too."""
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]', pyproject, re.M)
    assert not re.search(r"^version *=", pyproject, re.M)
    assert '[tool.hatch.version]\npath = "wechat_async/__init__.py"\n' in pyproject
