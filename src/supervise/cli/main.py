"""The ``supervise`` command."""

from __future__ import annotations

import typer

from supervise.cli import admin, demo, ledger, ledger_io, oversight, reminders, reports

app = typer.Typer(
    name="supervise",
    help="supervise — 巡视巡察整改工作流 / rectification workflows for inspection and audit findings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
admin.register(app)
ledger.register(app)
ledger_io.register(app)
reminders.register(app)
reports.register(app)
oversight.register(app)
demo.register(app)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
