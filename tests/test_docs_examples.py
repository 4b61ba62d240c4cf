"""The docs pages' Python blocks type-check under ``mypy --strict`` (with the README's
preamble: ``client``, ``router``... as the prose assumes them), and the getting-started script
runs as written against the emulator."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.test_readme import PREAMBLE

DOCS = Path(__file__).parent.parent / "docs"
# Fences may be indented (content tabs): the block is dedented by its fence's indent.
_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)


def _blocks(page: Path) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start()) + 2, textwrap.dedent(m.group(2)))
        for m in _BLOCK.finditer(text)
    ]


def test_the_guides_have_python_blocks() -> None:
    pages = {p.name for p in DOCS.glob("*.md") if _blocks(p)}
    assert {"getting-started.md", "pushes.md", "emulator.md", "errors-and-retries.md"} <= pages
    assert len(_blocks(DOCS / "pushes.md")) == 6  # the router and one block per framework


@pytest.mark.slow
def test_every_docs_python_block_passes_mypy_strict(tmp_path: Path) -> None:
    files = []
    for page in sorted(DOCS.glob("*.md")):
        for line, block in _blocks(page):
            path = tmp_path / f"{page.stem.replace('-', '_')}_line_{line}.py"
            path.write_text(PREAMBLE + textwrap.indent(block, "    "), encoding="utf-8")
            files.append(str(path))
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir"]
    proc = subprocess.run(  # noqa: S603 - fixed arguments, files this test wrote
        [*command, "/dev/null", *files],
        capture_output=True,
        text=True,
        cwd=DOCS.parent,
        check=False,
    )
    preamble_lines = PREAMBLE.count("\n")
    report = re.sub(
        r"\S*?(\w+?)_line_(\d+)\.py:(\d+)",
        lambda m: f"docs/{m.group(1)}.md:{int(m.group(2)) + int(m.group(3)) - preamble_lines - 1}",
        proc.stdout + proc.stderr,
    )
    assert proc.returncode == 0, report


def test_the_getting_started_script_runs() -> None:
    _, script = _blocks(DOCS / "getting-started.md")[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "getting-started.md", "exec"), {"__name__": "docs"})  # noqa: S102
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(" fen")
    assert len(lines) == 1 + 50  # the order read, then each of the 50 orders once
    assert len(set(lines[1:])) == 50
