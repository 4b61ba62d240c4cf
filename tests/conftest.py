from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every type check of the run (``tests/_mypy.py``)."""
    return tmp_path_factory.mktemp("mypy-cache")


# Every async test runs on both backends; trio is a test dependency so anyio cannot drop it.
@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> None:
    # Mark before anyio's own hook runs, so it parametrizes the test over anyio_backend.
    if inspect.iscoroutinefunction(obj) and collector.funcnamefilter(name):
        pytest.mark.anyio(obj)
