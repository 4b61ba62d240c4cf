"""The integrations are optional: the core imports no framework, each adapter imports only its
own, and a missing framework names the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = ("starlette", "fastapi", "aiohttp", "django", "flask")
INTEGRATIONS = {  # module -> frameworks it may import
    "starlette": {"starlette"},
    "fastapi": {"fastapi", "starlette"},
    "aiohttp": {"aiohttp"},
    "django": {"django"},
    "flask": {"flask"},
}


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


@pytest.mark.slow
def test_the_core_imports_no_framework() -> None:
    core = "import wechat_async, wechat_async.callbacks, wechat_async.testing, wechat_async.cli"
    assert _imported_after(core) == set()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INTEGRATIONS))
def test_each_integration_imports_only_its_framework(name: str) -> None:
    assert _imported_after(f"import wechat_async.integrations.{name}") == INTEGRATIONS[name]


@pytest.mark.slow
def test_a_missing_framework_names_its_extra() -> None:
    # One interpreter, each framework hidden in turn (None in sys.modules fails its import).
    code = """
import importlib, sys
for name, framework in %r:
    sys.modules[framework] = None
    try:
        importlib.import_module("wechat_async.integrations." + name)
    except ImportError as exc:
        print(exc)
    del sys.modules[framework]
""" % [(name, name) for name in sorted(INTEGRATIONS)]
    proc = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    for name in sorted(INTEGRATIONS):
        assert f"needs the {name} extra: pip install 'wechat-async[{name}]'" in proc.stdout
