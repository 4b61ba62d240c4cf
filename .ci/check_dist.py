"""Check what `python -m build` made in DIST: one sdist and one wheel of the version in
wechat_async/__init__.py, each holding what it should and nothing a checkout picks up locally.

    python .ci/check_dist.py dist
"""

from __future__ import annotations

import email.parser
import re
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
#: path parts that must never ship: venvs, caches, build output, the docs site, results
NEVER = {
    ".venv",
    "venv",
    ".git",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".nox",
    "site",
    "dist",
    "build",
    "results",
    ".ci",
}
SDIST_NEEDS = [
    "PKG-INFO",
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "mkdocs.yml",
    "wechat_async/__init__.py",
    "wechat_async/py.typed",
    "wechat_async/cli/__init__.py",
    "tests/conftest.py",
    "docs/index.md",
    "docs/gen_pages.py",
    "benchmarks/__init__.py",
]
WHEEL_NEEDS = [
    "wechat_async/__init__.py",
    "wechat_async/py.typed",
    "wechat_async/cli/__init__.py",
    "wechat_async/testing/__init__.py",
]


def _version() -> str:
    text = (ROOT / "wechat_async" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    if found is None:
        raise SystemExit("wechat_async/__init__.py has no __version__")
    return found.group(1)


def _problems(names: list[str], needs: list[str], kind: str) -> list[str]:
    problems = [f"{kind}: {need} is missing" for need in needs if need not in names]
    for name in names:
        parts = PurePosixPath(name).parts
        if NEVER & set(parts[:-1]) or name.endswith((".pyc", ".pyo")):
            problems.append(f"{kind}: {name} should not ship")
    return problems


def _metadata(text: str, kind: str, version: str) -> list[str]:
    meta = email.parser.Parser().parsestr(text)
    problems = []
    if meta["Version"] != version:
        problems.append(f"{kind}: version {meta['Version']}, not {version}")
    if "cli" not in meta.get_all("Provides-Extra", []):
        problems.append(f"{kind}: no cli extra")
    if meta["License-Expression"] != "MIT":
        problems.append(f"{kind}: License-Expression {meta['License-Expression']!r}")
    return problems


def main(dist: Path) -> int:
    version = _version()
    sdists = sorted(dist.glob("*.tar.gz"))
    wheels = sorted(dist.glob("*.whl"))
    if [p.name for p in sdists] != [f"wechat_async-{version}.tar.gz"]:
        raise SystemExit(f"want one sdist of {version} in {dist}, found {sdists}")
    if [p.name for p in wheels] != [f"wechat_async-{version}-py3-none-any.whl"]:
        raise SystemExit(f"want one pure-Python wheel of {version} in {dist}, found {wheels}")
    problems = []

    with tarfile.open(sdists[0]) as sdist:
        top = f"wechat_async-{version}/"
        members = [m.name for m in sdist.getmembers() if m.isfile()]
        outside = [name for name in members if not name.startswith(top)]
        problems += [f"sdist: {name} is outside {top}" for name in outside]
        names = [name[len(top) :] for name in members if name.startswith(top)]
        problems += _problems(names, SDIST_NEEDS, "sdist")
        info = sdist.extractfile(top + "PKG-INFO")
        if info is not None:
            problems += _metadata(info.read().decode("utf-8"), "sdist", version)

    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        info_dir = f"wechat_async-{version}.dist-info/"
        problems += _problems(names, WHEEL_NEEDS, "wheel")
        strays = [n for n in names if not n.startswith(("wechat_async/", info_dir))]
        problems += [f"wheel: {name} is not the package" for name in strays]
        problems += _metadata(wheel.read(info_dir + "METADATA").decode("utf-8"), "wheel", version)
        scripts = wheel.read(info_dir + "entry_points.txt").decode("utf-8")
        if "wechat-async = wechat_async.cli:main" not in scripts:
            problems.append("wheel: no wechat-async command")
        if info_dir + "licenses/LICENSE" not in names:
            problems.append("wheel: no LICENSE")

    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"{sdists[0].name}: {len(members)} files; {wheels[0].name}: {len(names)} files; "
            "contents and metadata as they should be"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
