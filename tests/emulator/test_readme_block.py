"""The README's testing example passes as written: its ``test_pushes.py`` and ``conftest.py``
blocks, copied into a fresh directory, run under pytest with this package's plugin, on asyncio
and trio."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _files() -> dict[str, str]:
    """The emulator section's Python blocks that start with ``# <file name>``."""
    section = README.read_text(encoding="utf-8").split("## The emulator", 1)[1]
    section = section.split("\n## ", 1)[0]
    files = {}
    for block in re.findall(r"```python\n(.*?)```", section, re.DOTALL):
        first, _, rest = block.partition("\n")
        name = re.fullmatch(r"# (\w+\.py)", first)
        if name:
            files[name.group(1)] = rest
    return files


@pytest.mark.slow
def test_the_readme_test_block_passes_on_asyncio_and_trio(tmp_path: Path) -> None:
    files = _files()
    assert set(files) == {"test_pushes.py", "conftest.py"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # A user's project: its own pytest settings, strict about warnings, nothing of ours.
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    proc = subprocess.run(  # noqa: S603 - fixed arguments, files this test wrote
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    for test in ("test_a_paid_gift_card_is_recorded_once", "test_an_order_reads_back"):
        for backend in ("asyncio", "trio"):
            assert f"PASSED test_pushes.py::{test}[{backend}]" in report, report
