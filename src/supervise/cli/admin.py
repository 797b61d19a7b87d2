"""Administration: the database, plans, the audit chain, workflow definitions."""

from __future__ import annotations

from pathlib import Path

import typer

from supervise.adapters import migrate
from supervise.adapters.db import safe_url
from supervise.adapters.workflow_files import default_workflows_dir, load_registry, read_workflow
from supervise.cli.common import JSON, command, settings_or_exit
from supervise.cli.output import AUDIT_FAILED, out, print_json, reporting
from supervise.domain.workflow import Workflow
from supervise.services import audit

audit_app = typer.Typer(help="审计链 / the audit history", no_args_is_help=True)
workflow_app = typer.Typer(help="流程定义 / workflow definitions", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(audit_app, name="audit")
    app.add_typer(workflow_app, name="workflow")


def init(as_json: bool = JSON) -> None:
    """创建或升级数据库 / Create or migrate the database at SUPERVISE_DATABASE_URL."""
    with command(as_json, needs_schema=False) as (settings, ctx):
        before = migrate.current_revision(ctx.engine)
        migrate.upgrade(ctx.engine)
        after = migrate.current_revision(ctx.engine)
        info = {"database": safe_url(settings.database_url), "from_revision": before, "revision": after}
        if as_json:
            print_json(info)
        else:
            out.print(f"数据库 / database: {info['database']}")
            out.print(f"结构版本 / schema: {before or '—'} → {after}")


@audit_app.command("verify")
def audit_verify(as_json: bool = JSON) -> None:
    """校验审计链 / Walk the hash chain and name the first event that was tampered with."""
    with command(as_json) as (_, ctx):
        report = audit.verify(ctx)
    finding = report.finding
    if as_json:
        print_json({"ok": report.ok, "checked": report.checked, "finding": vars(finding) if finding else None})
    elif finding is None:
        out.print(f"审计链完整 / audit chain intact: {report.checked} events verified")
    else:
        out.print(f"审计链被破坏 / audit chain BROKEN after {report.checked} good events", style="bold red")
        out.print(f"  {finding.kind}: event {finding.event_id} (seq {finding.seq}) — {finding.detail}")
    if finding is not None:
        raise typer.Exit(AUDIT_FAILED)


@workflow_app.command("check")
def workflow_check(
    path: Path | None = typer.Argument(None, help="一个流程文件；缺省检查全部 / one file; default: all in use"),
    as_json: bool = JSON,
) -> None:
    """校验流程定义 / Validate workflow definitions and summarise them."""
    settings = settings_or_exit(as_json)
    with reporting(as_json, settings.lang, settings.database_url):
        workflows = [read_workflow(path)] if path else _all_workflows(settings.workflows_dir)
        if as_json:
            print_json(
                [
                    {
                        "name": w.name,
                        "version": w.version,
                        "file": w.source,
                        "states": list(w.states),
                        "triggers": list(w.triggers),
                    }
                    for w in workflows
                ]
            )
            return
        for w in workflows:
            out.print(
                f"✓ {w.source}: {w.name} v{w.version} — {len(w.states)} states, triggers: {', '.join(w.triggers)}"
            )


def _all_workflows(directory: Path | None) -> list[Workflow]:
    registry = load_registry(directory or default_workflows_dir())
    return [registry.get(n) for n in registry.names()]


@workflow_app.command("diagram")
def workflow_diagram(name: str = typer.Argument(..., help="流程名 / workflow name, e.g. problem")) -> None:
    """输出 Mermaid 状态图 / Print the workflow as a Mermaid state diagram."""
    settings = settings_or_exit(False)
    with reporting(False, settings.lang, settings.database_url):
        out.print(load_registry(settings.workflows_dir).get(name).mermaid(), markup=False, highlight=False)
