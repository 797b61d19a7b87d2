"""Reviews (盘点): dated snapshots of the ledger, kept so that progress can be charted over time.

A snapshot holds the figures an office reviews — problems and measures by state and warning
light, overdue items by unit and leader with days overdue, days to close, rebounds, the league
table of units — computed by the same code as the reports, and stored as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import insert, select

from supervise.adapters import chain
from supervise.adapters.tables_oversight import reviews
from supervise.domain.audit import canonical_json
from supervise.domain.errors import ActionRefused
from supervise.domain.oversight import office_only
from supervise.domain.report.model import Report
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import require_actor, resolve_round
from supervise.services.reports import ReportRequest, load_report


def snapshot(report: Report) -> dict[str, Any]:
    s = report.summary
    return {
        "as_of": report.as_of.isoformat(),
        "problems": s.problems,
        "closed": s.problems_closed,
        "open": s.problems_open,
        "long_term": s.problems_long_term,
        "overdue": s.problems_overdue,
        "by_state": {c.state: c.count for c in s.problems_by_state},
        "by_light": dict(s.problems_by_signal),
        "measures": s.measures,
        "measures_done": s.measures_done,
        "measures_overdue": s.measures_overdue,
        "rebounds": s.rebounds,
        "problems_rebounded": s.problems_rebounded,
        "overdue_by_unit": [{"unit": g.name, "items": g.count, "max_days": g.max_days} for g in report.overdue_by_unit],
        "overdue_by_leader": [
            {"leader": g.name, "items": g.count, "max_days": g.max_days} for g in report.overdue_by_leader
        ],
        "days_to_close": {
            "closed": report.days_to_close.count,
            "median": report.days_to_close.median,
            "max": report.days_to_close.max,
        },
        "league": [
            {
                "unit": r.unit,
                "items": r.items,
                "done": r.done,
                "overdue": r.overdue,
                "on_time_rate": r.on_time_rate,
                "rank": r.rank,
            }
            for r in report.league
        ],
    }


def take_review(
    ctx: Context, actor_name: str, round_token: str | None = None, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Compute the snapshot (a read), then store it with its audit event (one short write)."""
    report = load_report(ctx, ReportRequest(round_token, as_of))
    data = snapshot(report)
    with ctx.writing() as conn:
        round_ = resolve_round(conn, round_token)
        actor = require_actor(conn, actor_name)
        missing = office_only(actor, Text("盘点", "a review"))
        if missing:
            raise ActionRefused(round_.name, "review", missing)
        now = ctx.clock()
        review_id = conn.execute(
            insert(reviews).returning(reviews.c.id),
            {
                "round_id": round_.id,
                "as_of": report.as_of,
                "taken_at": now,
                "taken_by": actor.name,
                "data": canonical_json(data),
            },
        ).scalar_one()
        chain.record_event(
            conn,
            round_.id,
            subject=("review", review_id, f"review {review_id}"),
            trigger="review",
            actor=actor,
            at=now,
            data={"as_of": report.as_of, "open": data["open"], "closed": data["closed"], "overdue": data["overdue"]},
        )
    return {"id": review_id, **data}


def list_reviews(ctx: Context, round_token: str | None = None) -> list[dict[str, Any]]:
    with ctx.reading() as conn:
        round_ = resolve_round(conn, round_token)
        rows = conn.execute(
            select(reviews).where(reviews.c.round_id == round_.id).order_by(reviews.c.as_of, reviews.c.id)
        ).all()
    return [
        {"id": r.id, "taken_at": r.taken_at.isoformat(), "taken_by": r.taken_by, **json.loads(r.data)} for r in rows
    ]
