"""The command group, the options every command shares, and how a command ends: exit codes,
one-line errors, Ctrl-C and a closed pipe."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

try:
    import click
except ImportError as exc:  # pragma: no cover - depends on the install
    raise SystemExit("wechat-async needs the cli extra: pip install 'wechat-async[cli]'") from exc

from .. import __version__
from .._errors import RequestValidationError, WeChatError
from .._redact import install_log_redaction

F = TypeVar("F", bound=Callable[..., Any])

#: WeChat's documents give times in China Standard Time.
CHINA = dt.timezone(dt.timedelta(hours=8))

#: Exit codes (README, docs/cli.md): 1 an API, network or file error and 2 usage are click's own.
EXIT_UNREAD = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, as a shell reports `git log | head`

_QUIET = "wechat_async.quiet"


class Interrupted(click.ClickException):
    """Ctrl-C: exit 130 with one line saying what happened to the work (and how to resume)."""

    exit_code = EXIT_INTERRUPTED

    def show(self, file: Any = None) -> None:
        click.echo(f"Interrupted: {self.message}", err=True)


class _Main(click.Group):
    """Ctrl-C and a closed stdout end any command the conventional way, not as click's
    "Aborted!" (exit 1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("stopped before it finished") from None
        except BrokenPipeError:
            # The reader went away (`| head`): nothing is wrong with us, so no message; the
            # exit status is what a shell gives a command killed by SIGPIPE.
            _silence_stdout()
            raise click.exceptions.Exit(EXIT_CLOSED_PIPE) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the interpreter's last flush must not hit the closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (CliRunner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


@click.group(cls=_Main)
@click.version_option(__version__, prog_name="wechat-async")
def main() -> None:
    """wechat_async command line: sync orders, make one-off calls, serve the emulator or a
    push receiver.

    Exit codes: 0 ok, 1 an API, network or file error, 2 usage, 3 synced but some orders
    unread, 130 interrupted (Ctrl-C), 141 stdout closed (`| head`)."""


class _ClickHandler(logging.Handler):
    """Log records on stderr as the command prints (CliRunner's stderr too)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a log line never ends the command
            self.handleError(record)


def _debug(ctx: click.Context, _: click.Parameter, on: bool) -> None:
    if not on:
        return
    install_log_redaction()  # records are masked when made, before any handler sees them
    handler = _ClickHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("wechat_async")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def restore() -> None:  # a command run in-process (tests) leaves logging as it found it
        logger.removeHandler(handler)
        logger.setLevel(level)

    ctx.call_on_close(restore)


def _quiet(ctx: click.Context, _: click.Parameter, on: bool) -> None:
    ctx.meta[_QUIET] = on


def output_options(command: F) -> F:
    """--debug and --quiet, which every command takes."""
    command = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        expose_value=False,
        callback=_quiet,
        help="no progress and no summary on stderr (errors are still printed)",
    )(command)
    command = click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_debug,
        help="DEBUG logs of wechat_async on stderr (secrets masked)",
    )(command)
    return command


def is_quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(_QUIET))


def notice(text: str) -> None:
    """A line for the person at the terminal (stderr), unless --quiet."""
    if not is_quiet():
        click.echo(text, err=True)


def plural(count: int, noun: str) -> str:
    """``1 order``, ``2 orders``, ``15,334 orders``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty", ctx, param)
    return value


def credentials(*, required: bool | str) -> Callable[[F], F]:
    """--appid/--secret (or WECHAT_APPID/WECHAT_SECRET) and --base-url; ``required`` True,
    or the condition under which they are (said in --help: "required without --emulator")."""
    when = f" [required {required}]" if isinstance(required, str) else ""

    def add(command: F) -> F:
        command = click.option(
            "--base-url",
            envvar="WECHAT_BASE_URL",
            show_envvar=True,
            default=None,
            help="another server (proxy, emulator)",
        )(command)
        for name, env, text in [
            ("--secret", "WECHAT_SECRET", "app secret"),
            ("--appid", "WECHAT_APPID", "Official Account appid"),
        ]:
            command = click.option(
                name,
                envvar=env,
                show_envvar=True,
                required=required is True,
                callback=_not_empty,
                help=text + when,
            )(command)
        return command

    return add


def given(ctx: click.Context, name: str) -> bool:
    """Whether the user typed option ``name`` (not a default, not the environment): an
    environment set for everyday use must not make a mode's refusals fire."""
    return ctx.get_parameter_source(name) is click.ParameterSource.COMMANDLINE


def refuse_unused(ctx: click.Context, names: Mapping[str, str]) -> None:
    """A usage error for the first option in ``names`` that was typed, with why it does
    nothing here."""
    for name, why in names.items():
        if given(ctx, name):
            raise click.UsageError(f"{hint(ctx, name)} {why}", ctx)


#: request fields a command's parameter feeds under another name
_FIELD_PARAMS = {
    "begin_time": "begin",
    "end_time": "end",
    "sort_type": "sort",
    "code": "code_value",
}


_FIELD_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")


def hint(ctx: click.Context, name: str) -> str:
    """How click names parameter ``name`` in errors: ``'--end'``, ``'ORDER_ID'``."""
    for param in ctx.command.params:
        if param.name == name:
            return param.get_error_hint(ctx)
    return name


def api_error(exc: WeChatError) -> NoReturn:
    """End the command on ``exc`` in one line: bad input found before sending is a usage
    error naming the option (``'--end'``, not ``end_time``), anything else exit 1."""
    if not isinstance(exc, RequestValidationError):
        raise click.ClickException(str(exc)) from None
    ctx = click.get_current_context()
    known = {p.name for p in ctx.command.params}

    def option(field: str) -> str | None:
        param = _FIELD_PARAMS.get(field, field)
        return hint(ctx, param) if param in known else None

    parts = []
    for error in exc.errors:
        top = error.path.split(".", 1)[0].split("[", 1)[0]
        named = option(top)
        where = error.path if named is None else named + error.path[len(top) :]
        # field names inside the message too ("must not be before begin_time"); only
        # names a field could have, so "end" in plain words stays a word
        message = _FIELD_NAME.sub(lambda m: option(m[0]) or m[0], error.message)
        parts.append(f"{where}: {message}")
    raise click.UsageError(f"Invalid value for {'; '.join(parts)}", ctx) from None


_Callback = Callable[[click.Context, click.Parameter, Any], Any]


def time_option(*, end_of_day: bool = False) -> _Callback:
    """An option callback reading Unix seconds, or an ISO date/time in China time. A date
    alone is its first second, or with ``end_of_day`` its last (``--end 2026-04-30``
    includes that whole day)."""

    def convert(ctx: click.Context, param: click.Parameter, text: str | None) -> int | None:
        if text is None or text.isdigit():
            return None if text is None else int(text)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(
                f"{text!r}: use YYYY-MM-DD[THH:MM] or Unix seconds", ctx, param
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CHINA)
        if end_of_day and len(text) == 10:  # YYYY-MM-DD
            moment += dt.timedelta(days=1, seconds=-1)
        return int(moment.timestamp())

    return convert
