"""Every Python block of README.md type-checks under ``mypy --strict``.

Blocks are snippets: each is run as the body of an async function, after a preamble that
declares the names the prose assumes (``client``, ``save``...), so ``await`` is legal and a
name the README never introduces is still an error.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests._mypy import run_mypy

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


@pytest.mark.slow
def test_every_readme_python_block_passes_mypy_strict(tmp_path: Path, mypy_cache: Path) -> None:
    pytest.importorskip("mypy")
    files = []
    for line, block in _blocks():
        path = tmp_path / f"readme_line_{line}.py"
        path.write_text(PREAMBLE + textwrap.indent(block, "    "), encoding="utf-8")
        files.append(str(path))
    code, output = run_mypy(*files, cache_dir=mypy_cache)
    preamble_lines = PREAMBLE.count("\n")
    # Report README line numbers, not the generated files' ones.
    report = re.sub(
        r"\S*readme_line_(\d+)\.py:(\d+)",
        lambda m: f"README.md:{int(m.group(1)) + int(m.group(2)) - preamble_lines - 1}",
        output,
    )
    assert code == 0, report


def _layout() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block is not None, "the Layout section draws the tree in a ```text block"
    return block.group(1)


def test_the_layout_names_every_package_and_only_what_exists() -> None:
    layout = _layout()
    package = ROOT / "wechat_async"
    named_dirs = set(re.findall(r"^\s+(\w+)/", layout, re.M))
    named_files = set(re.findall(r"\b(\w+\.py)\b", layout))
    packages = {p.parent.name for p in package.glob("*/__init__.py")}
    assert packages - named_dirs == set(), "add these packages to README's Layout"
    assert named_dirs - packages == set(), "README's Layout names packages that do not exist"
    missing = {name for name in named_files if not (package / name).is_file()}
    assert missing == set(), "README's Layout names modules that do not exist"
