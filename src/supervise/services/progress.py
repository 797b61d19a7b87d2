"""Progress notes (进展情况): what a unit reports about a problem between transitions.

The latest note is kept on the problem (it feeds the ledger's 完成情况 column and the public
report's 整改情况); every note is also an audit event, so the history shows how it evolved.
"""

from __future__ import annotations

from dataclasses import dataclass

from supervise.adapters import chain
from supervise.adapters import repository as repo
from supervise.domain.errors import Conflict, Missing, TransitionRefused
from supervise.domain.refs import parse_ref
from supervise.domain.rules import ItemFacts, authority
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import not_found, require_actor, resolve_round

REPORTERS = frozenset({"unit", "leader", "office"})


@dataclass(frozen=True)
class ReportProgress:
    ref: str
    actor: str
    text: str


@dataclass(frozen=True)
class ProgressReported:
    ref: str
    version: int
    event_id: int


def report_progress(ctx: Context, cmd: ReportProgress) -> ProgressReported:
    ref = parse_ref(cmd.ref).problem
    with ctx.writing() as conn:
        round_ = resolve_round(conn, ref.round)
        actor = require_actor(conn, cmd.actor)
        item = repo.load_problems(conn, round_.id, [ref.number], lock=False).get(ref.number)
        if item is None:
            raise not_found(ref)
        facts = ItemFacts(item.ref, item.state, item.leader_id, item.unit_ids, item.submitted_by_id)
        missing = authority(REPORTERS, facts, actor)
        if not cmd.text.strip():
            missing.append(Missing("note", Text("缺少进展说明（--note）", "the progress text is required (--note)")))
        if missing:
            state = ctx.workflows.get(item.workflow).state_label(item.state)
            raise TransitionRefused(item.ref, state, item.state, "progress", missing)
        now = ctx.clock()
        change = {"item_id": item.id, "expected": item.version, "now": now, "progress": cmd.text.strip()}
        if repo.write_items(conn, "problem", [change]) != 1:
            raise Conflict(item.ref, item.version)
        event_id = chain.record_event(
            conn,
            item.round_id,
            subject=("problem", item.id, item.ref),
            trigger="progress",
            actor=actor,
            at=now,
            note=cmd.text.strip(),
            data={"version": item.version + 1},
            states=(item.state, item.state),
        )
    return ProgressReported(item.ref, item.version + 1, event_id)
