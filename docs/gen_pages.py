"""A MkDocs hook: adds the generated pages to the site at build time. The endpoint reference
comes from the endpoint descriptors and models (``wechat_async._reference``), the command
reference from the click commands themselves, the examples page from the scripts in
examples/; none is written in a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from mkdocs.structure.files import File, Files

from wechat_async._reference import nav, pages
from wechat_async.cli import main

#: the nav entry of mkdocs.yml that the generated endpoint reference fills
SECTION = "Endpoint reference"
CLI_PAGE = "cli-reference.md"
EXAMPLES_PAGE = "examples.md"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def on_config(config: Any) -> Any:
    for i, entry in enumerate(config["nav"]):
        if isinstance(entry, dict) and SECTION in entry:
            config["nav"][i] = {SECTION: nav()}
            return config
    raise LookupError(f"mkdocs.yml has no {SECTION!r} entry in its nav")


def on_files(files: Files, config: Any) -> Files:
    for name, text in pages().items():
        files.append(File.generated(config, f"reference/{name}", content=text))
    files.append(File.generated(config, CLI_PAGE, content=_cli_page()))
    files.append(File.generated(config, EXAMPLES_PAGE, content=_examples_page()))
    return files


def _examples_page() -> str:
    """Each script of examples/ whole, its docstring saying how to run it; a heading's id is
    the script's name (``examples.md#delivery_flow``)."""
    lines = [
        "# Examples",
        "",
        "Runnable scripts from the repository's `examples/` folder, shown whole. Each one's "
        "docstring says how to run it against the emulator (no account needed) and against "
        "WeChat; the test suite runs every one against the emulator and type-checks it with "
        "`mypy --strict`.",
        "",
    ]
    for script in sorted(EXAMPLES.glob("*.py")):
        source = script.read_text(encoding="utf-8").rstrip()
        lines += [f"## {script.name} {{ #{script.stem} }}", "", "```python", source, "```", ""]
    return "\n".join(lines)


def _cli_page() -> str:
    lines = [
        "# Command reference",
        "",
        "Every command's `--help`, as this version prints it. The guide is "
        "[The command line](cli.md).",
        "",
    ]
    for path, command, ctx in _commands(main, "wechat-async", None):
        lines += [f"## {path}", "", "```text", command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


def _commands(
    command: click.Command, path: str, parent: click.Context | None
) -> Iterator[tuple[str, click.Command, click.Context]]:
    ctx = click.Context(command, info_name=path.rsplit(" ", 1)[-1], parent=parent)
    ctx.max_content_width = ctx.terminal_width = 88
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _commands(sub, f"{path} {name}", ctx)
