"""Self-check campaigns (逐项对账自查): every lead unit confirms each of its open items against the ledger.

Starting a campaign lists every problem not yet closed, under its lead unit. Units answer per
problem: on track, done (with evidence), or blocked (with the reason); each answer is an audit
event on the problem. The status is a table by unit, with who has not answered yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from supervise.adapters import chain
from supervise.adapters import repository as repo
from supervise.adapters.repository import NewEvidence
from supervise.adapters.tables import problems, units
from supervise.adapters.tables_oversight import selfcheck_campaigns, selfcheck_items
from supervise.domain.errors import ActionRefused, Missing, NotFound
from supervise.domain.oversight import answer_defects, office_only
from supervise.domain.refs import parse_ref
from supervise.domain.rules import ItemFacts, authority
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import not_found, require_actor, resolve_round
from supervise.services.progress import REPORTERS


@dataclass(frozen=True)
class StartCampaign:
    title: str
    due: dt.date
    actor: str
    round: str | None = None


@dataclass(frozen=True)
class Answer:
    ref: str  # the problem, e.g. 13 or R4:13
    answer: str  # on_track | done | blocked
    actor: str
    note: str | None = None
    evidence: tuple[NewEvidence, ...] = ()
    campaign: int | None = None  # default: the round's latest campaign


def start_campaign(ctx: Context, cmd: StartCampaign) -> dict[str, Any]:
    with ctx.writing() as conn:
        round_ = resolve_round(conn, cmd.round)
        actor = require_actor(conn, cmd.actor)
        missing = office_only(actor, Text("发起自查", "starting a self-check"))
        if missing:
            raise ActionRefused(cmd.title, "selfcheck start", missing)
        now = ctx.clock()
        number = (
            conn.execute(
                select(func.max(selfcheck_campaigns.c.number)).where(selfcheck_campaigns.c.round_id == round_.id)
            ).scalar()
            or 0
        ) + 1
        campaign_id = conn.execute(
            insert(selfcheck_campaigns).returning(selfcheck_campaigns.c.id),
            {
                "round_id": round_.id,
                "number": number,
                "title": cmd.title,
                "due_on": cmd.due,
                "started_by_id": actor.id,
                "started_at": now,
            },
        ).scalar_one()
        open_items = [
            {"campaign_id": campaign_id, "problem_id": pid, "unit_id": unit_id}
            for pid, state, workflow, unit_id in conn.execute(
                select(problems.c.id, problems.c.state, problems.c.workflow, problems.c.lead_unit_id)
                .where(problems.c.round_id == round_.id)
                .order_by(problems.c.number)
            )
            if not ctx.workflows.get(workflow).is_final(state)
        ]
        if open_items:
            conn.execute(insert(selfcheck_items), open_items)
        chain.record_event(
            conn,
            round_.id,
            subject=("selfcheck", campaign_id, f"selfcheck {number}"),
            trigger="selfcheck_start",
            actor=actor,
            at=now,
            note=cmd.title,
            data={"number": number, "due": cmd.due, "items": len(open_items)},
        )
    return {"number": number, "title": cmd.title, "due": cmd.due.isoformat(), "items": len(open_items)}


def answer(ctx: Context, cmd: Answer) -> dict[str, Any]:
    ref = parse_ref(cmd.ref).problem
    with ctx.writing() as conn:
        round_ = resolve_round(conn, ref.round)
        actor = require_actor(conn, cmd.actor)
        campaign = _campaign(conn, round_.id, cmd.campaign)
        item = repo.load_problems(conn, round_.id, [ref.number], lock=False).get(ref.number)
        if item is None:
            raise not_found(ref)
        row_id = conn.execute(
            select(selfcheck_items.c.id).where(
                selfcheck_items.c.campaign_id == campaign.id, selfcheck_items.c.problem_id == item.id
            )
        ).scalar()
        facts = ItemFacts(item.ref, item.state, item.leader_id, item.unit_ids, item.submitted_by_id)
        has_evidence = bool(cmd.evidence) or repo.has_evidence(conn, item)
        missing = authority(REPORTERS, facts, actor) + answer_defects(cmd.answer, cmd.note, has_evidence)
        if row_id is None:
            missing.append(_not_in_campaign(item.ref, campaign.number))
        if missing:
            raise ActionRefused(f"{item.ref}", f"selfcheck answer ({campaign.number})", missing)
        now = ctx.clock()
        event_id = chain.record_event(
            conn,
            round_.id,
            subject=("problem", item.id, item.ref),
            trigger="selfcheck",
            actor=actor,
            at=now,
            note=cmd.note,
            states=(item.state, item.state),
            data={
                "campaign": campaign.number,
                "answer": cmd.answer,
                "evidence": [{"description": e.description, "sha256": e.sha256} for e in cmd.evidence],
            },
        )
        if cmd.evidence:
            repo.add_evidence(conn, item, event_id, actor.id, cmd.evidence, now)
        conn.execute(
            update(selfcheck_items)
            .where(selfcheck_items.c.id == row_id)
            .values(answer=cmd.answer, note=cmd.note, answered_by_id=actor.id, answered_at=now, event_id=event_id)
        )
    return {"campaign": campaign.number, "ref": item.ref, "answer": cmd.answer}


def status(ctx: Context, round_token: str | None = None, number: int | None = None) -> dict[str, Any]:
    """Answers by unit, and the items still unanswered, for one campaign (default: the latest)."""
    with ctx.reading() as conn:
        round_ = resolve_round(conn, round_token)
        campaign = _campaign(conn, round_.id, number)
        si = selfcheck_items
        counts = [func.sum(case((si.c.answer == a, 1), else_=0)).label(a) for a in ("on_track", "done", "blocked")]
        by_unit = conn.execute(
            select(units.c.name, func.count().label("items"), *counts)
            .select_from(si.outerjoin(units, units.c.id == si.c.unit_id))
            .where(si.c.campaign_id == campaign.id)
            .group_by(units.c.name)
            .order_by(units.c.name)
        ).all()
        waiting = conn.execute(
            select(problems.c.number, problems.c.title, units.c.name)
            .select_from(
                si.join(problems, problems.c.id == si.c.problem_id).outerjoin(units, units.c.id == si.c.unit_id)
            )
            .where(si.c.campaign_id == campaign.id, si.c.answer.is_(None))
            .order_by(problems.c.number)
        ).all()
        blocked = conn.execute(
            select(problems.c.number, si.c.note)
            .join(problems, problems.c.id == si.c.problem_id)
            .where(si.c.campaign_id == campaign.id, si.c.answer == "blocked")
            .order_by(problems.c.number)
        ).all()
    rows = [
        {
            "unit": u or "—",
            "items": n,
            "on_track": int(a or 0),
            "done": int(d or 0),
            "blocked": int(b or 0),
            "unanswered": n - int(a or 0) - int(d or 0) - int(b or 0),
        }
        for u, n, a, d, b in by_unit
    ]
    return {
        "campaign": campaign.number,
        "title": campaign.title,
        "due": campaign.due_on.isoformat(),
        "items": sum(r["items"] for r in rows),
        "unanswered": sum(r["unanswered"] for r in rows),
        "by_unit": rows,
        "waiting": [{"number": n, "title": t, "unit": u} for n, t, u in waiting],
        "blocked": [{"number": n, "reason": r} for n, r in blocked],
    }


def _campaign(conn: Connection, round_id: int, number: int | None) -> Any:
    query = select(selfcheck_campaigns).where(selfcheck_campaigns.c.round_id == round_id)
    query = (
        query.where(selfcheck_campaigns.c.number == number)
        if number
        else query.order_by(selfcheck_campaigns.c.number.desc())
    )
    row = conn.execute(query.limit(1)).first()
    if row is None:
        what = f" {number}" if number else ""
        raise NotFound(Text(f"没有自查{what}：请先 supervise selfcheck start", f"no self-check{what}: start one first"))
    return row


def _not_in_campaign(ref: str, number: int) -> Missing:
    return Missing(
        "not_in_campaign",
        Text(
            f"问题 {ref} 不在第 {number} 次自查中（启动时已销号）",
            f"problem {ref} is not in self-check {number} (it was closed when it began)",
        ),
    )
