"""Several processes racing on the same items: no lost update, every refusal clear, the chain intact."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter

import pytest
from sqlalchemy import select

from supervise.adapters.db import make_engine
from supervise.adapters.repository import NewEvidence
from supervise.adapters.tables import events, measures, problems
from supervise.adapters.workflow_files import load_registry
from supervise.domain.errors import Conflict, TransitionRefused
from supervise.domain.plan import MeasureSpec, ParsedPlan, PersonSpec, Plan, ProblemSpec, RoundSpec
from supervise.domain.yamlsource import parse_yaml
from supervise.services import audit
from supervise.services.context import Context
from supervise.services.importing import import_plan
from supervise.services.transitions import Advance, advance

PROCESSES = 4
ATTEMPTS = 60
PROOF = (NewEvidence("proof.pdf", "/archive/proof.pdf", "cd" * 32),)
MOVES = [("start", None, ()), ("finish", None, PROOF), ("reopen", "复核未通过", ())]


def race_plan(problem_count: int, measures_each: int) -> ParsedPlan:
    plan = Plan(
        round=RoundSpec(name="并发测试轮次", code="RACE"),
        people=[PersonSpec(name="张三", roles=["office", "supervisor"])],
        problems=[
            ProblemSpec(
                number=n,
                title=f"问题{n}",
                kind="immediate",
                measures=[MeasureSpec(text=f"举措{n}.{k}") for k in range(1, measures_each + 1)],
            )
            for n in range(1, problem_count + 1)
        ],
    )
    return ParsedPlan(plan, parse_yaml("{}", "race"))


def _context(url: str) -> Context:
    return Context(make_engine(url), load_registry())


def random_transitions(url: str, seed: int, refs: list[str]) -> Counter[str]:
    """One racer: random triggers on random measures; returns what happened, by kind."""
    ctx, rng, outcomes = _context(url), random.Random(seed), Counter[str]()
    for _ in range(ATTEMPTS):
        trigger, note, evidence = rng.choice(MOVES)
        try:
            advance(ctx, Advance(rng.choice(refs), trigger, "张三", note, evidence))
            outcomes["moved"] += 1
        except Conflict:
            outcomes["conflict"] += 1
        except TransitionRefused as exc:
            outcomes[f"refused:{exc.details['missing'][0]['code']}"] += 1
    ctx.engine.dispose()
    return outcomes


def start_together(url: str, barrier: multiprocessing.synchronize.Barrier, ref: str) -> str:
    ctx = _context(url)
    barrier.wait()
    try:
        advance(ctx, Advance(ref, "start", "张三"))
        return "moved"
    except Conflict:
        return "conflict"
    except TransitionRefused:
        return "refused"
    finally:
        ctx.engine.dispose()


@pytest.fixture
def race(ctx):
    import_plan(ctx, race_plan(problem_count=3, measures_each=2), "race")
    return ctx


def test_racing_processes_lose_no_update_and_keep_the_chain(race, database_url):
    refs = [f"{n}.{k}" for n in (1, 2, 3) for k in (1, 2)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = pool.starmap(random_transitions, [(database_url, seed, refs) for seed in range(PROCESSES)])
    totals = sum(results, Counter())
    assert sum(totals.values()) == PROCESSES * ATTEMPTS
    assert set(totals) <= {"moved", "conflict", "refused:wrong_state"}  # nothing refused for a bad reason
    with race.reading() as conn:
        history = conn.execute(
            select(events.c.subject_id, events.c.from_state, events.c.to_state)
            .where(events.c.subject_type == "measure")
            .order_by(events.c.seq)
        ).all()
        rows = conn.execute(select(measures.c.id, measures.c.state, measures.c.version)).all()
    assert len(history) == totals["moved"]  # every success left exactly one event, every refusal none
    for measure_id, state, version in rows:
        steps = [(f, t) for sid, f, t in history if sid == measure_id]
        assert version == 1 + len(steps)
        walked = "todo"
        for source, dest in steps:
            assert source == walked  # each change started from the state the previous one left
            walked = dest
        assert walked == state
    assert audit.verify(race).ok


def test_of_two_simultaneous_starts_exactly_one_succeeds(race, database_url):
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, spawn.Pool(2) as pool:
        for number in (1, 2, 3):
            barrier = manager.Barrier(2)
            outcomes = pool.starmap(start_together, [(database_url, barrier, str(number))] * 2)
            assert outcomes.count("moved") == 1, outcomes
            assert set(outcomes) - {"moved"} <= {"conflict", "refused"}
    with race.reading() as conn:
        assert set(conn.execute(select(problems.c.state)).scalars()) == {"in_progress"}
        assert len(conn.execute(select(events.c.id).where(events.c.trigger == "start")).all()) == 3
    assert audit.verify(race).ok
