"""What every command shares: settings, the context, and the JSON switch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.exc import ArgumentError

from supervise.adapters import migrate
from supervise.bootstrap import build_context
from supervise.cli.output import DatabaseProblem, fail, reporting
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.settings import Settings, SettingsInvalid, load_settings

JSON = typer.Option(False, "--json", help="Print machine-readable JSON / 输出 JSON")


def settings_or_exit(as_json: bool) -> Settings:
    """The settings from the environment; a bad setting is reported like any other error (exit 2), not a traceback."""
    try:
        return load_settings()
    except SettingsInvalid as exc:
        fail(exc, as_json, "both")


@contextmanager
def command(as_json: bool, *, needs_schema: bool = True) -> Iterator[tuple[Settings, Context]]:
    """Settings and context for one command, with every expected failure reported and mapped to its exit code."""
    settings = settings_or_exit(as_json)
    with reporting(as_json, settings.lang, settings.database_url):
        ctx = _context(settings)
        try:
            if needs_schema:
                _require_schema(ctx)
            yield settings, ctx
        finally:
            ctx.engine.dispose()


def _context(settings: Settings) -> Context:
    """The context; a database URL SQLAlchemy cannot use is a bad setting (exit 2), named without quoting it."""
    try:
        return build_context(settings)
    except ArgumentError as exc:  # also NoSuchModuleError: an unknown driver
        driver = settings.database_url.partition("://")[0] or "?"
        raise SettingsInvalid(
            Text(
                f"SUPERVISE_DATABASE_URL：无法使用（驱动 {driver}；应如 postgresql+psycopg://用户:密码@主机/库 或 "
                "sqlite:///路径）",
                f"SUPERVISE_DATABASE_URL: cannot be used (driver {driver}; expected e.g. "
                "postgresql+psycopg://user:password@host/db or sqlite:///path)",
            ),
            setting="SUPERVISE_DATABASE_URL",
            detail=type(exc).__name__,
        ) from None


def _require_schema(ctx: Context) -> None:
    current, head = migrate.current_revision(ctx.engine), migrate.head_revision()
    if current != head:
        raise DatabaseProblem(
            Text(
                f"数据库结构版本为 {current or '空'}，需要 {head}：请运行 supervise init",
                f"the database schema is at {current or 'nothing'}, {head} is needed: run supervise init",
            ),
            current=current,
            head=head,
        )
