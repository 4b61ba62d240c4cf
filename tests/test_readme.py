"""Every Python block of README.md type-checks under ``mypy --strict``.

Blocks are snippets: each is run as the body of an async function, after a preamble that
declares the names the prose assumes (``client``, ``save``...), so ``await`` is legal and a
name the README never introduces is still an error.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"

PREAMBLE = """\
from __future__ import annotations

import datetime as dt
from wechat_async import WeChatClient
from wechat_async.callbacks import CallbackRouter
from wechat_async.component import ComponentClient
from wechat_async.giftcard import Order

client: WeChatClient
router: CallbackRouter
platform: ComponentClient
begin_time: dt.datetime
end_time: dt.datetime


def save(order: Order) -> None: ...


async def record_payment(order_id: str) -> None: ...


async def readme_block() -> None:
"""

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def test_readme_has_python_blocks() -> None:
    assert len(_blocks()) >= 3


def test_every_readme_python_block_passes_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    files = []
    for line, block in _blocks():
        path = tmp_path / f"readme_line_{line}.py"
        path.write_text(PREAMBLE + textwrap.indent(block, "    "), encoding="utf-8")
        files.append(str(path))
    proc = subprocess.run(  # noqa: S603 - fixed arguments, files this test wrote
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            "/dev/null",
            *files,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    preamble_lines = PREAMBLE.count("\n")
    # Report README line numbers, not the generated files' ones.
    report = re.sub(
        r"\S*readme_line_(\d+)\.py:(\d+)",
        lambda m: f"README.md:{int(m.group(1)) + int(m.group(2)) - preamble_lines - 1}",
        proc.stdout + proc.stderr,
    )
    assert proc.returncode == 0, report
