"""Load: 8 processes, 10,000 conflicting transitions on the same 100 problems — no lost update, every
refusal a clear conflict or refusal, and the final states exactly what the history says.

After the race, every problem's audit events form a path: the creation event's state, then
each transition starting where the previous one ended, ending at the problem's current
state; its version is 1 + its transitions; its rebound count, deadline and submitter are
what its reopen, extend and submit events say. The number of transitions recorded equals
the number of moves the racers saw succeed. ``audit verify`` passes on the chain.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import select

from supervise.adapters.tables import events, people, problems
from supervise.services import audit
from supervise.services.context import Context
from supervise.services.importing import import_plan
from tests.reliability.racing import TRIGGERS, Tally, race, race_plan

PROCESSES = 8
ATTEMPTS = 10_000
PROBLEMS = 100

pytestmark = [pytest.mark.slow]


def test_eight_processes_racing_on_a_hundred_problems_lose_no_update(ctx: Context, database_url: str) -> None:
    import_plan(ctx, race_plan(PROBLEMS), "load")
    per_process = ATTEMPTS // PROCESSES
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        tallies: list[Tally] = pool.starmap(
            race, [(database_url, seed, per_process, PROBLEMS) for seed in range(PROCESSES)], chunksize=1
        )
    outcomes = sum((t.outcomes for t in tallies), Counter())
    errors = [e for t in tallies for e in t.errors]
    assert not errors, errors[:5]
    assert sum(outcomes.values()) == ATTEMPTS
    # The race was a race: moves, conflicts and refusals all happened.
    assert outcomes["moved"] > 500 and outcomes["conflict"] > 0 and outcomes["bulk moved"] > 0
    refused = sum(n for kind, n in outcomes.items() if kind.startswith("refused") or kind == "bulk refused")
    print(
        f"\n{ctx.engine.dialect.name}: {outcomes['moved']} moved, {outcomes['bulk moved']} bulk moves,"
        f" {outcomes['conflict']} conflicts, {refused} refusals ({sum(t.moved for t in tallies)} items moved)"
    )

    with ctx.reading() as conn:
        history = conn.execute(
            select(
                events.c.subject_id,
                events.c.trigger,
                events.c.from_state,
                events.c.to_state,
                events.c.actor_id,
                events.c.data,
            )
            .where(events.c.subject_type == "problem")
            .order_by(events.c.seq)
        ).all()
        rows = conn.execute(select(problems)).all()
        office = set(conn.execute(select(people.c.id).where(people.c.name.like("整改办%"))).scalars())
    moves = [h for h in history if h.trigger in TRIGGERS]
    assert len(moves) == sum(t.moved for t in tallies)  # every move left one event; no refusal left any
    for row in rows:
        _assert_consistent_with_history(row, [h for h in history if h.subject_id == row.id], office)
    assert audit.verify(ctx).ok


def _assert_consistent_with_history(row, history, office: set[int]) -> None:  # type: ignore[no-untyped-def]
    created, *moves = history
    assert created.trigger == "create" and created.from_state is None
    state, deadline, submitter, rebounds = created.to_state, json.loads(created.data)["deadline"], None, 0
    for move in moves:
        assert move.from_state == state, (row.number, move)  # each change starts where the last one ended
        state = move.to_state
        data = json.loads(move.data)
        if move.trigger == "extend":
            assert data["deadline"]["old"] == deadline
            deadline = data["deadline"]["new"]
        elif move.trigger == "submit":
            submitter = move.actor_id
        elif move.trigger == "reopen":
            rebounds += 1
        elif move.trigger in ("verify", "close"):
            assert move.actor_id != submitter  # whoever submitted the fix never verified or closed it
        if move.trigger == "close":
            assert move.actor_id in office
    assert (row.state, row.version) == (state, 1 + len(moves))
    assert (row.deadline.isoformat(), row.submitted_by_id, row.rebound_count) == (deadline, submitter, rebounds)
