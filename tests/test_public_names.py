"""Public names are listed literally in ``__all__`` (mypy reads no other form,
python/mypy#15300): type checkers see what runtime exports, and the lists agree."""

from __future__ import annotations

import ast
import contextlib
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import wechat_async
from tests._mypy import run_mypy
from wechat_async import _errcodes, _errors, errors
from wechat_async.callbacks import _errors as callback_errors

ROOT = Path(wechat_async.__file__).parent


def _literal_all(module: types.ModuleType) -> list[str] | None:
    """The module's ``__all__`` if it is written as a list of string literals, else None."""
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            if not isinstance(node.value, ast.List):
                return None
            values = node.value.elts
            if not all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
                return None
            return [v.value for v in values if isinstance(v, ast.Constant)]
    return None


def _public_modules() -> list[types.ModuleType]:
    found = [wechat_async]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="wechat_async."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        try:
            found.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra that is not installed
            continue
    return found


@pytest.mark.parametrize("module", _public_modules(), ids=lambda m: m.__name__)
def test_all_is_a_literal_list_equal_to_the_runtime_exports(module: types.ModuleType) -> None:
    if not hasattr(module, "__all__"):
        pytest.skip("no __all__: not a public namespace")
    literal = _literal_all(module)
    assert literal is not None, f"{module.__name__}.__all__ must be a literal list of strings"
    assert len(literal) == len(set(literal)), "duplicate names"
    assert literal == list(module.__all__)
    for name in literal:
        assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name}"


def _defined_errors() -> set[type[BaseException]]:
    """Every WeChatError subclass the package defines, found by walking every module."""
    for info in pkgutil.walk_packages([str(ROOT)], prefix="wechat_async."):
        if info.name.endswith(".__main__"):
            continue  # runs a command line when imported
        with contextlib.suppress(ImportError):  # an optional extra that is not installed
            importlib.import_module(info.name)
    found: set[type[BaseException]] = set()
    pending: list[type[BaseException]] = [wechat_async.WeChatError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("wechat_async") and cls not in found:
            found.add(cls)
            pending.extend(cls.__subclasses__())
    # The breaker's "not sent" signal is caught inside the stores and never meets a user.
    from wechat_async.stores._breaker import NotSent

    return found - {NotSent}


def test_errors_module_exports_every_error_the_package_defines() -> None:
    assert set(errors.__all__) == set(_errors.__all__) | set(_errcodes.__all__) | set(
        callback_errors.__all__
    )
    values = [getattr(errors, name) for name in errors.__all__]
    exported = {value for value in values if isinstance(value, type)}
    assert {cls.__name__ for cls in _defined_errors() - exported} == set()


def _tree(root: type[BaseException], classes: set[type[BaseException]]) -> list[str]:
    """The class tree as the errors module's docstring draws it: under the first base,
    other bases named, children by name."""
    lines = [root.__name__]

    def walk(parent: type[BaseException], prefix: str) -> None:
        children = sorted(
            (c for c in classes if c.__bases__[0] is parent), key=lambda c: c.__name__
        )
        for i, child in enumerate(children):
            last = i == len(children) - 1
            also = ", ".join(b.__name__ for b in child.__bases__[1:])
            label = child.__name__ + (f" (also {also})" if also else "")
            lines.append(prefix + ("└── " if last else "├── ") + label)
            walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return lines


def test_the_errors_docstring_draws_the_whole_tree() -> None:
    drawn = "\n".join("    " + line for line in _tree(wechat_async.WeChatError, _defined_errors()))
    assert drawn in str(errors.__doc__), "redraw the tree in wechat_async/errors.py:\n" + drawn


def test_top_level_exports_every_error_and_nothing_unlisted() -> None:
    assert set(errors.__all__) <= set(wechat_async.__all__)
    public = {
        name
        for name, value in vars(wechat_async).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(wechat_async.__all__)


@pytest.mark.slow
def test_mypy_resolves_every_public_name(tmp_path: Path, mypy_cache: Path) -> None:
    pytest.importorskip("mypy")
    script = tmp_path / "uses_public_names.py"
    lines = [
        f"from wechat_async import {', '.join(wechat_async.__all__)}",
        f"from wechat_async.errors import {', '.join(errors.__all__)}",
        f"print({', '.join(wechat_async.__all__)})",
        "",
    ]
    script.write_text("\n".join(lines), encoding="utf-8")
    code, output = run_mypy(script, cache_dir=mypy_cache)
    assert code == 0, output
