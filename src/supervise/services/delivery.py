"""Delivering the outbox: claim, render, send over one connection, record — never marked sent before accepted.

1. Claim (one short write transaction): pending messages that are due, plus messages
   whose claim is older than the lease (a sender that died mid-batch), move to
   ``sending`` under a fresh claim token with a conditional UPDATE; a concurrent
   sender (a duplicated task) claims nothing of the same rows.
2. Render and send with no transaction open: the network can be slow. A batch that a slow
   server has kept for half the lease stops and gives its unsent messages back, so that
   no other sender takes them over while they are still being sent.
3. Record each message as soon as the server has answered for it (one short write
   transaction per message), guarded by the claim token: ``sent`` when the server
   accepted it; ``pending`` with exponential backoff for a transient failure;
   ``failed`` for a permanent failure or when the attempts are used up.

If the process dies between the server's acceptance of a message and its record, that
one message is sent again after the lease (the messages before it are recorded, those
after it were never sent): the Message-ID stays the same, so the receiving side can
tell the duplicate.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, or_, select, update

from supervise.adapters.mail import Mailer, Outcome, Outgoing
from supervise.adapters.tables import outbox, prompt_items, reminders, work_prompts
from supervise.adapters.templates import render
from supervise.domain.lights import LIGHT_LABELS
from supervise.domain.text import Lang
from supervise.services.context import Context
from supervise.services.recipients import AUDIENCE_LABELS

LIGHT_COLOURS = {"red": "#c0392b", "yellow": "#d4a017", "green": "#27ae60"}
LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


@dataclass(frozen=True)
class DeliveryOptions:
    lang: Lang = "both"
    zone: str = "Asia/Shanghai"  # dates in the message body
    batch: int = 200  # messages per SMTP connection
    max_attempts: int = 8
    backoff_base: float = 30.0
    backoff_max: float = 600.0
    lease: dt.timedelta = dt.timedelta(minutes=10)  # a claim older than this is taken over (a batch stops at half)


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    next_attempt_at: dt.datetime | None = None  # the earliest retry, if any

    def merge(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        if other.next_attempt_at and (self.next_attempt_at is None or other.next_attempt_at < self.next_attempt_at):
            self.next_attempt_at = other.next_attempt_at


def backoff(attempts: int, options: DeliveryOptions) -> dt.timedelta:
    """30 s, 60 s, 120 s, … capped: a retry always falls due well within the broker's visibility timeout."""
    return dt.timedelta(seconds=min(options.backoff_base * 2 ** max(attempts - 1, 0), options.backoff_max))


def deliver(
    ctx: Context,
    mailer: Mailer,
    options: DeliveryOptions = DeliveryOptions(),
    *,
    now: dt.datetime | None = None,
    ids: Sequence[int] | None = None,
    drain: bool = True,
) -> DeliveryResult:
    """Deliver due outbox messages (only ``ids`` if given), batch after batch while ``drain``."""
    total = DeliveryResult()
    while True:
        at = now or ctx.clock()
        token = uuid.uuid4().hex
        with ctx.writing() as conn:
            claimed = _claim(conn, token, at, options, ids)
            outgoing = _outgoing_batch(conn, claimed, options)
        if not outgoing:
            return total
        by_id = {row.id: row for row in claimed}
        # A claim older than the lease is open to any other sender: a batch that a slow server
        # has kept this long stops sending and gives the rest back, to be claimed afresh.
        stop_at = time.monotonic() + options.lease.total_seconds() / 2
        out_of_time = False
        with closing(mailer.send(outgoing)) as outcomes, ctx.write_connection() as conn:
            for key, outcome in outcomes:
                # Each message is recorded the moment its outcome is known, in its own short
                # transaction (on one connection for the batch): a sender that dies mid-batch
                # leaves at most the message on the wire unrecorded (to be sent again), never
                # the messages before it.
                with conn.begin():
                    total.merge(_record(conn, token, now or ctx.clock(), {key: outcome}, [by_id.pop(key)], options))
                if by_id and time.monotonic() > stop_at:
                    out_of_time = True
                    break
        if by_id:
            with ctx.writing() as conn:
                if out_of_time:  # not attempted: back to pending, due at once, no attempt counted
                    _give_back(conn, token, list(by_id))
                else:  # a mailer that gave no outcome for a message: a transient failure
                    total.merge(_record(conn, token, now or ctx.clock(), {}, list(by_id.values()), options))
        if not drain or (len(claimed) < options.batch and not out_of_time):
            return total


def _give_back(conn: Connection, token: str, ids: list[int]) -> None:
    conn.execute(
        update(outbox).where(outbox.c.id.in_(ids), outbox.c.claim == token).values(state="pending", claim=None)
    )


def _claim(
    conn: Connection, token: str, now: dt.datetime, options: DeliveryOptions, ids: Sequence[int] | None
) -> list[Any]:
    claimable = or_(
        and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now),
        and_(outbox.c.state == "sending", outbox.c.claimed_at < now - options.lease),
    )
    query = select(outbox.c.id).where(claimable)
    if ids is not None:
        query = query.where(outbox.c.id.in_(list(ids)))
    wanted = list(conn.execute(query.order_by(outbox.c.id).limit(options.batch)).scalars())
    if not wanted:
        return []
    # The same condition again in the UPDATE: a concurrent sender that claimed a row first wins it.
    conn.execute(
        update(outbox).where(outbox.c.id.in_(wanted), claimable).values(state="sending", claim=token, claimed_at=now)
    )
    query = (
        select(outbox, work_prompts.c.number, work_prompts.c.created_at.label("prompt_created_at"))
        .join(work_prompts, work_prompts.c.id == outbox.c.prompt_id)
        .where(outbox.c.claim == token)
        .order_by(outbox.c.id)
    )
    return list(conn.execute(query))


def _outgoing(
    conn: Connection, row: Any, options: DeliveryOptions, lines: list[dict[str, Any]] | None = None
) -> Outgoing:
    items = lines if lines is not None else prompt_lines(conn, [row.prompt_id], options.zone)[row.prompt_id]
    subject, text, html = render_prompt(row.number, row.to_name, row.prompt_created_at, items, options)
    return Outgoing(row.id, row.message_id, row.to_name, row.to_addr, subject, text, html, row.prompt_created_at)


def _outgoing_batch(conn: Connection, claimed: list[Any], options: DeliveryOptions) -> list[Outgoing]:
    """Render a batch: the items of all its prompts are read with one query."""
    lines = prompt_lines(conn, [row.prompt_id for row in claimed], options.zone)
    return [_outgoing(conn, row, options, lines[row.prompt_id]) for row in claimed]


def prompt_lines(conn: Connection, prompt_ids: list[int], zone: str) -> dict[int, list[dict[str, Any]]]:
    """The items of each work prompt as the templates show them: red first, then by deadline.

    "Overdue by N days" is counted at the time the prompt was written, so a retry says the same.
    """
    query = (
        select(reminders, prompt_items.c.prompt_id, prompt_items.c.audience, work_prompts.c.created_at.label("written"))
        .join(prompt_items, prompt_items.c.reminder_id == reminders.c.id)
        .join(work_prompts, work_prompts.c.id == prompt_items.c.prompt_id)
        .where(prompt_items.c.prompt_id.in_(prompt_ids))
    )
    out: dict[int, list[dict[str, Any]]] = {pid: [] for pid in prompt_ids}
    tz = ZoneInfo(zone)
    for r in conn.execute(query):
        today = r.written.astimezone(tz).date()
        light = r.light or ""
        label = LIGHT_LABELS.get(light)
        audience = AUDIENCE_LABELS[r.audience]
        out[r.prompt_id].append(
            {
                "ref": r.ref,
                "title": r.title,
                "deadline": r.deadline.isoformat() if r.deadline else None,
                "overdue_days": (today - r.deadline).days if r.deadline and r.deadline < today else 0,
                "light": light,
                "light_zh": label.zh if label else "—",
                "light_en": label.en if label else "—",
                "colour": LIGHT_COLOURS.get(light, "#7f8c8d"),
                "rung": r.rung,
                "audience": r.audience,
                "audience_zh": audience.zh,
                "audience_en": audience.en,
                "expected_zh": r.expected_zh,
                "expected_en": r.expected_en,
            }
        )
    for lines in out.values():
        lines.sort(key=lambda x: (LIGHT_ORDER.get(x["light"], 3), x["deadline"] or "9999", x["ref"]))
    return out


def render_prompt(
    number: int, recipient: str, created_at: dt.datetime, items: list[dict[str, Any]], options: DeliveryOptions
) -> tuple[str, str, str]:
    zh = f"工作提示 No. {number}：{len(items)} 项整改事项需关注"
    en = f"Work prompt No. {number}: {len(items)} item(s) need attention"
    subject = zh if options.lang == "zh" else en if options.lang == "en" else f"{zh} / {en}"
    date = created_at.astimezone(ZoneInfo(options.zone)).date().isoformat()
    # Attribute access in the templates (item.ref) finds a namespace's attribute at once; on a dict Jinja
    # first fails getattr, then falls back to the key — a third of the rendering time of a big digest.
    lines = [SimpleNamespace(**item) for item in items]
    context = {"number": number, "recipient": recipient, "date": date, "items": lines}
    text, html = render("work_prompt", options.lang, subject, context)
    return subject, text, html


def _record(
    conn: Connection,
    token: str,
    now: dt.datetime,
    outcomes: dict[int, Outcome],
    claimed: list[Any],
    options: DeliveryOptions,
) -> DeliveryResult:
    result = DeliveryResult()
    for row in claimed:
        outcome = outcomes.get(row.id, Outcome("transient", "not attempted"))
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "claim": None, "last_error": outcome.detail or None}
        if outcome.verdict == "sent":
            values.update(state="sent", sent_at=now, last_error=None)
            result.sent.append(row.id)
        elif outcome.verdict == "transient" and attempts < options.max_attempts:
            retry_at = now + backoff(attempts, options)
            values.update(state="pending", next_attempt_at=retry_at)
            result.retrying.append(row.id)
            if result.next_attempt_at is None or retry_at < result.next_attempt_at:
                result.next_attempt_at = retry_at
        else:
            values.update(state="failed")
            result.failed.append(row.id)
        # Guarded by the claim: if the lease ran out and another sender took over, its record stands.
        conn.execute(update(outbox).where(outbox.c.id == row.id, outbox.c.claim == token).values(**values))
    return result


def options_from(settings: Any) -> DeliveryOptions:
    """Delivery options from ``Settings`` (kept loose to avoid importing settings into services)."""
    mail = settings.mail
    return DeliveryOptions(
        lang=settings.lang,
        zone=settings.worker.timezone,
        max_attempts=mail.max_attempts,
        backoff_base=mail.backoff_base,
        backoff_max=mail.backoff_max,
    )
