"""Firing triggers: one item per transaction, or many in one transaction for the office.

Each transition re-reads the item inside a write transaction, asks the domain rules,
writes the new state guarded by the version it read, appends exactly one audit event
to the chain, and commits. A concurrent writer that got there first makes the version
check fail: the caller gets ``Conflict`` and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from supervise.adapters import chain
from supervise.adapters import repository as repo
from supervise.adapters.repository import ItemRow, NewEvidence, RoundRow
from supervise.adapters.transition_reads import load_problem_and_actor
from supervise.domain.audit import canonical_json
from supervise.domain.errors import BulkRefused, Conflict, SuperviseError
from supervise.domain.refs import Ref, parse_ref
from supervise.domain.rules import Actor, ItemFacts, Outcome, Request, decide
from supervise.services.context import Context
from supervise.services.lookup import no_such_person, not_found, require_actor, resolve_round

BULK_CHUNK = 500


@dataclass(frozen=True)
class Advance:
    ref: str
    trigger: str
    actor: str
    note: str | None = None
    evidence: tuple[NewEvidence, ...] = ()
    deadline: dt.date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Moved:
    ref: str
    trigger: str
    from_state: str
    to_state: str
    version: int
    event_id: int


@dataclass(frozen=True)
class BulkAdvance:
    refs: tuple[str, ...]
    trigger: str
    actor: str
    note: str | None = None
    deadline: dt.date | None = None


@dataclass(frozen=True)
class BulkResult:
    trigger: str
    moved: int
    refs: list[str]


def advance(ctx: Context, cmd: Advance) -> Moved:
    with ctx.writing() as conn:
        return advance_in(ctx, conn, cmd)


def advance_in(ctx: Context, conn: Connection, cmd: Advance) -> Moved:
    """The transition inside the caller's write transaction, for use cases that change more than one thing."""
    ref = parse_ref(cmd.ref)
    request = Request(cmd.trigger, cmd.note, len(cmd.evidence), cmd.deadline)
    item, actor = _item_and_actor(conn, ref, cmd.actor)
    if item is None:
        raise not_found(ref)
    if cmd.expected_version is not None and cmd.expected_version != item.version:
        raise Conflict(item.ref, cmd.expected_version)
    now = ctx.clock()
    outcome = _decide(ctx, conn, item, actor, request)
    change = _change(item, outcome, actor, request, now)
    event_id = repo.move_one(conn, item.kind, change, _event(item, outcome, actor, request, now, cmd.evidence))
    if event_id is None:
        raise Conflict(item.ref, item.version)
    if cmd.evidence:
        repo.add_evidence(conn, item, event_id, actor.id, cmd.evidence, now)
    return Moved(item.ref, cmd.trigger, outcome.source, outcome.dest, item.version + 1, event_id)


def advance_many(ctx: Context, cmd: BulkAdvance) -> BulkResult:
    """One trigger on many items in ONE transaction: all move, or none does and every refusal is listed."""
    refs = list(dict.fromkeys(parse_ref(r) for r in cmd.refs))
    request = Request(cmd.trigger, cmd.note, 0, cmd.deadline)
    refusals: list[SuperviseError] = []
    moved: list[str] = []
    with ctx.writing() as conn:
        actor = require_actor(conn, cmd.actor)
        now = ctx.clock()
        for round_, chunk in _chunks_by_round(conn, refs):
            items = _load_items(conn, round_.id, chunk, lock=True)
            ready: list[tuple[ItemRow, Outcome]] = []
            for ref in chunk:
                item = items.get(_key(ref))
                if item is None:
                    refusals.append(not_found(ref))
                    continue
                try:
                    ready.append((item, _decide(ctx, conn, item, actor, request)))
                except SuperviseError as exc:
                    refusals.append(exc)
            if not refusals:  # once anything is refused the transaction will roll back: stop writing
                _write_chunk(conn, ready, actor, request, now)
                moved += [item.ref for item, _ in ready]
        if refusals:
            raise BulkRefused(cmd.trigger, refusals)
    return BulkResult(cmd.trigger, len(moved), moved)


def _write_chunk(
    conn: Connection, ready: list[tuple[ItemRow, Outcome]], actor: Actor, request: Request, now: dt.datetime
) -> None:
    for kind in ("problem", "measure"):
        batch = [(item, outcome) for item, outcome in ready if item.kind == kind]
        if not batch:
            continue
        changes = [_change(item, outcome, actor, request, now) for item, outcome in batch]
        if repo.write_items(conn, kind, changes) != len(changes):
            stale = batch[0][0]
            raise Conflict(stale.ref, stale.version)
        chain.append_events(conn, (_event(item, outcome, actor, request, now) for item, outcome in batch))


def _item_and_actor(conn: Connection, ref: Ref, actor_name: str) -> tuple[ItemRow | None, Actor]:
    """The item ``ref`` names (or None) and the actor; a missing or ambiguous round, or actor, raises.

    A problem is read together with its round and the actor in one statement (the
    commonest case: two round trips less); a measure, or a round token the fast path
    cannot settle, takes the general path. Either way a bad round is reported first.
    """
    if ref.measure is None:
        read = load_problem_and_actor(conn, ref.round, ref.number, actor_name)
        if len(read.rounds) == 1:
            if read.actor is None:
                raise no_such_person(actor_name)
            return read.item, read.actor
    round_ = resolve_round(conn, ref.round)
    actor = require_actor(conn, actor_name)
    return _load_items(conn, round_.id, [ref], lock=False).get(_key(ref)), actor


def _chunks_by_round(conn: Connection, refs: Sequence[Ref]) -> Iterator[tuple[RoundRow, list[Ref]]]:
    by_round: dict[str | None, list[Ref]] = {}
    for ref in refs:
        by_round.setdefault(ref.round, []).append(ref)
    for token, group in by_round.items():
        round_ = resolve_round(conn, token)
        for start in range(0, len(group), BULK_CHUNK):
            yield round_, group[start : start + BULK_CHUNK]


def _key(ref: Ref) -> Any:
    return ref.number if ref.measure is None else (ref.number, ref.measure)


def _load_items(conn: Connection, round_id: int, refs: Sequence[Ref], lock: bool) -> dict[Any, ItemRow]:
    problem_refs = [r.number for r in refs if r.measure is None]
    measure_refs = [(r.number, r.measure) for r in refs if r.measure is not None]
    items: dict[Any, ItemRow] = {}
    if problem_refs:
        items.update(repo.load_problems(conn, round_id, problem_refs, lock))
    if measure_refs:
        items.update(repo.load_measures(conn, round_id, measure_refs, lock))
    return items


def _decide(ctx: Context, conn: Connection, item: ItemRow, actor: Actor, request: Request) -> Outcome:
    workflow = ctx.workflows.get(item.workflow)
    transition = workflow.find(item.state, request.trigger)
    needs = set(transition.requires) if transition else set()
    open_measures: tuple[str, ...] = ()
    if "measures_done" in needs:
        open_measures = tuple(
            f"{item.ref}.{seq}"
            for seq, state, wf in repo.measure_states(conn, item.id)
            if not ctx.workflows.get(wf).is_final(state)
        )
    evidence = "evidence" in needs and request.evidence_count == 0 and repo.has_evidence(conn, item)
    facts = ItemFacts(
        item.ref,
        item.state,
        item.leader_id,
        item.unit_ids,
        item.submitted_by_id,
        open_measures,
        evidence,
        item.deadline,
    )
    return decide(workflow, facts, actor, request)


def _change(item: ItemRow, outcome: Outcome, actor: Actor, request: Request, now: dt.datetime) -> dict[str, Any]:
    change: dict[str, Any] = {"item_id": item.id, "expected": item.version, "now": now, "state": outcome.dest}
    effects = outcome.transition.effects
    if "record_submitter" in effects:
        change["submitted_by_id"] = actor.id
    if "set_deadline" in effects:
        change["deadline"] = request.new_deadline
    if "count_rebound" in effects and item.kind == "problem":
        change["rebound_count"] = item.rebound_count + 1  # safe: the version guard rejects a stale read
    return change


def _event(
    item: ItemRow,
    outcome: Outcome,
    actor: Actor,
    request: Request,
    now: dt.datetime,
    evidence: Sequence[NewEvidence] = (),
) -> tuple[int, dict[str, Any]]:
    data: dict[str, Any] = {"version": item.version + 1}
    if evidence:  # the chain then also vouches for the evidence files' content
        data["evidence"] = [{"description": e.description, "sha256": e.sha256} for e in evidence]
    if "set_deadline" in outcome.transition.effects:
        data["deadline"] = {"old": item.deadline, "new": request.new_deadline}
    if "count_rebound" in outcome.transition.effects:
        data["rebound_count"] = item.rebound_count + 1
    return item.round_id, {
        "subject_type": item.kind,
        "subject_id": item.id,
        "subject_ref": item.ref,
        "trigger": request.trigger,
        "from_state": outcome.source,
        "to_state": outcome.dest,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "at": now,
        "note": request.note,
        "data": canonical_json(data),
    }
