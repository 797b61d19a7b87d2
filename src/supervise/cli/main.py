"""The ``supervise`` command."""

from __future__ import annotations

import typer

from supervise.cli import admin, ledger, reminders, reports

app = typer.Typer(
    name="supervise",
    help="supervise — 巡视巡察整改工作流 / rectification workflows for inspection and audit findings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
admin.register(app)
ledger.register(app)
reminders.register(app)
reports.register(app)


def run() -> None:
    app()
