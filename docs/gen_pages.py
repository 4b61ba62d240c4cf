"""A MkDocs hook: adds the endpoint reference to the site at build time. Its pages and its
navigation come from the endpoint descriptors and models (``wechat_async._reference``),
never from a file."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from wechat_async._reference import nav, pages

#: the nav entry of mkdocs.yml that the generated reference fills
SECTION = "Endpoint reference"


def on_config(config: Any) -> Any:
    for i, entry in enumerate(config["nav"]):
        if isinstance(entry, dict) and SECTION in entry:
            config["nav"][i] = {SECTION: nav()}
            return config
    raise LookupError(f"mkdocs.yml has no {SECTION!r} entry in its nav")


def on_files(files: Files, config: Any) -> Files:
    for name, text in pages().items():
        files.append(File.generated(config, f"reference/{name}", content=text))
    return files
