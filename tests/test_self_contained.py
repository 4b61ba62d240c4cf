"""The repository cites only what it holds, or an official page by URL: no text points at the
source documents the project was written from (they live outside it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: "seed 003", "seeds/README.md", "specs/delivery.md", "../shared/...": documents not in the
#: tree; "/work/", "/tmp/": paths of the machine a text was written on.
OUTSIDE = re.compile(
    r"\bseeds?[ _-]?0\d\d\b|\bseeds/|\bspecs/[\w-]+\.md|\.\./shared/|(?<![\w.])/(work|tmp)/",
    re.I,
)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH, as CI has it
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    suffixes = {".py", ".md", ".toml", ".yml", ".yaml", ".json", ".txt", ".cfg", ".ini", ""}
    return [
        ROOT / name.decode() for name in listed if name and Path(name.decode()).suffix in suffixes
    ]


def test_no_file_cites_a_document_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    cited = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _tracked_text_files()
        if path != this and path.is_file()
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == []


def test_the_pattern_catches_what_it_is_for() -> None:
    for text in ("see seed 003", "Seed-001 says", "specs/delivery.md", "../shared/x", "/work/m"):
        assert OUTSIDE.search(text), text
    for text in ("seed=3", "random seed 42", "docs/wire-notes.md", "a/work/b", "x/tmp/y"):
        assert not OUTSIDE.search(text), text
