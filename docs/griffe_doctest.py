"""A griffe extension for the API reference: the ``>>>`` examples in docstrings are shown as
Python console code, not read as Markdown (where ``>>>`` starts a quote)."""

from __future__ import annotations

import re
from typing import Any

import griffe

_DIRECTIVE = re.compile(r"\s*# doctest:.*$")


def fence_examples(text: str) -> str:
    """Each run of ``>>>``/``...`` lines, with the output lines after it, in a pycon fence
    (doctest directives dropped: they are for the test runner, not the reader)."""
    out: list[str] = []
    in_example = False
    for line in text.splitlines():
        stripped = line.strip()
        starts = stripped.startswith(">>>")
        if starts and not in_example:
            indent = line[: len(line) - len(line.lstrip())]
            out += ["", f"{indent}```pycon"]
            in_example = True
        elif in_example and not stripped:
            out.append(f"{indent}```")
            in_example = False
        out.append(_DIRECTIVE.sub("", line) if in_example else line)
    if in_example:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_examples(obj.docstring.value)
