"""A MkDocs hook: adds the generated pages to the site at build time. The endpoint reference
comes from the endpoint descriptors and models (``wechat_async._reference``), the command
reference from the click commands themselves; neither is written in a file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
from mkdocs.structure.files import File, Files

from wechat_async._reference import nav, pages
from wechat_async.cli import main

#: the nav entry of mkdocs.yml that the generated endpoint reference fills
SECTION = "Endpoint reference"
CLI_PAGE = "cli-reference.md"


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
    return files


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
