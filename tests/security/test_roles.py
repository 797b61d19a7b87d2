"""Every role × trigger pair, for the problem and the measure workflows, through the service layer on both backends.

Each cell of the tables below is one attempt on an item of its own, already in the
trigger's source state and with every requirement met (note, evidence, new deadline,
measures done, submitted by somebody else), so that only the actor's authority decides:

- ✓      the transition happens;
- role   refused: the actor has none of the roles the trigger names;
- scope  refused: the actor has the role, but not for this item (a leader of other problems,
         a unit that is neither the lead nor a co-responsible unit; for a measure, neither its
         own unit nor its problem's lead unit).

The tables are the policy written down (docs/workflows.md), not derived from the workflow files:
a change to who may do what has to change them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from supervise.adapters.repository import NewEvidence
from supervise.domain.errors import NotFound, TransitionRefused
from supervise.services.context import Context
from supervise.services.progress import ReportProgress, report_progress
from supervise.services.queries import show_problem
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many
from tests.security.conftest import ACTORS, SUBMITTER, import_text, plan_text, problem_yaml

PROBLEMS = """
                张三  郑十  赵六  王五  钱七  李四  孙七  周八  吴九
start           ✓     ✓     role  ✓     scope ✓     ✓     scope role
submit          ✓     ✓     role  ✓     scope ✓     ✓     scope role
verify          ✓     ✓     ✓     role  role  role  role  role  role
close           ✓     ✓     role  role  role  role  role  role  role
send_back       ✓     ✓     ✓     role  role  role  role  role  role
reopen          ✓     ✓     ✓     role  role  role  role  role  role
keep_long_term  ✓     ✓     role  role  role  role  role  role  role
extend          ✓     ✓     role  role  role  role  role  role  role
progress        ✓     ✓     role  ✓     scope ✓     ✓     scope role
"""
MEASURES = """
                张三  郑十  赵六  王五  钱七  李四  孙七  周八  吴九
start           ✓     ✓     role  ✓     scope ✓     scope ✓     role
finish          ✓     ✓     role  ✓     scope ✓     scope ✓     role
reopen          ✓     ✓     ✓     ✓     scope role  role  role  role
extend          ✓     ✓     role  role  role  role  role  role  role
"""
EVIDENCE = NewEvidence("验收报告.pdf", "/srv/evidence/验收报告.pdf", "ab" * 32)
NEW_DEADLINE = dt.date(2024, 6, 30)


def table(text: str) -> dict[str, dict[str, str]]:
    head, *rows = [line.split() for line in text.strip().splitlines()]
    assert head == ACTORS
    return {trigger: dict(zip(head, cells, strict=True)) for trigger, *cells in rows}


PROBLEM_TABLE, MEASURE_TABLE = table(PROBLEMS), table(MEASURES)
# Each attempt gets its own problem: number = 100 × (the trigger's row) + (the actor's column).
ROW = {t: i for i, t in enumerate([*PROBLEM_TABLE, *(f"measure_{t}" for t in MEASURE_TABLE)], start=1)}


def number(trigger: str, actor: str) -> int:
    return 100 * ROW[trigger] + ACTORS.index(actor) + 1


def numbers(trigger: str) -> list[str]:
    return [str(number(trigger, a)) for a in ACTORS]


# Who brings each item into its trigger's source state (the office, and 陈一 who submits).
SETUP: dict[str, list[tuple[str, str, str | None]]] = {
    "start": [],
    "submit": [("start", "张三", None)],
    "verify": [("start", "张三", None), ("submit", SUBMITTER, "已完成整改")],
    "close": [("start", "张三", None), ("submit", SUBMITTER, "已完成整改"), ("verify", "赵六", None)],
    "send_back": [("start", "张三", None), ("submit", SUBMITTER, "已完成整改")],
    "reopen": [
        *[("start", "张三", None), ("submit", SUBMITTER, "已完成整改"), ("verify", "赵六", None)],
        ("close", "张三", "同意销号"),
    ],
    "keep_long_term": [("start", "张三", None), ("submit", SUBMITTER, "已完成整改"), ("verify", "赵六", None)],
    "extend": [("start", "张三", None)],
    "progress": [],
}
MEASURE_SETUP: dict[str, list[tuple[str, str]]] = {
    "start": [],
    "finish": [("start", "张三")],
    "reopen": [("start", "张三"), ("finish", "张三")],
    "extend": [],
}


@pytest.fixture(scope="module")
def matrix(module_ctx: Context) -> Context:
    """One item per table cell, each in its trigger's source state."""
    ctx = module_ctx
    problems = [problem_yaml(number(t, a)) for t in PROBLEM_TABLE for a in ACTORS]
    problems += [problem_yaml(number(f"measure_{t}", a), measures=1) for t in MEASURE_TABLE for a in ACTORS]
    import_text(ctx, plan_text("".join(problems)))
    for trigger, steps in SETUP.items():
        for step, actor, note in steps:
            advance_many(ctx, BulkAdvance(tuple(numbers(trigger)), step, actor, note))
    for trigger, steps in MEASURE_SETUP.items():
        for step, actor in steps:
            for ref in numbers(f"measure_{trigger}"):
                advance(ctx, Advance(f"{ref}.1", step, actor, evidence=(EVIDENCE,) if step == "finish" else ()))
    return ctx


def outcome(attempt: Callable[[], object]) -> str:
    try:
        attempt()
    except TransitionRefused as exc:
        codes = {m.code for m in exc.missing}
        if codes == {"role"}:
            return "role"
        if codes == {"not_responsible"}:
            return "scope"
        return f"refused for {sorted(codes)}"  # any other reason means the test's own setup is wrong
    return "✓"


def fire(ctx: Context, ref: str, trigger: str, actor: str) -> Callable[[], object]:
    if trigger == "progress":
        return lambda: report_progress(ctx, ReportProgress(ref, actor, "本月完成排查"))
    return lambda: advance(
        ctx,
        Advance(
            ref,
            trigger,
            actor,
            note="说明、理由或销号说明",
            evidence=(EVIDENCE,) if trigger == "finish" else (),
            deadline=NEW_DEADLINE if trigger == "extend" else None,
        ),
    )


def attempt(ctx: Context, ref: str, trigger: str, actor: str) -> str:
    """The cell's outcome; a refusal must leave the item exactly as it was (state, version, measures, history)."""
    problem = ref.split(".")[0]
    before = show_problem(ctx, problem)
    found = outcome(fire(ctx, ref, trigger, actor))
    if found != "✓":
        assert show_problem(ctx, problem) == before
    return found


@pytest.mark.parametrize("trigger", list(PROBLEM_TABLE))
def test_who_may_fire_each_problem_trigger(matrix: Context, trigger):
    found = {a: attempt(matrix, str(number(trigger, a)), trigger, a) for a in ACTORS}
    assert found == PROBLEM_TABLE[trigger]


@pytest.mark.parametrize("trigger", list(MEASURE_TABLE))
def test_who_may_fire_each_measure_trigger(matrix: Context, trigger):
    found = {a: attempt(matrix, f"{number(f'measure_{trigger}', a)}.1", trigger, a) for a in ACTORS}
    assert found == MEASURE_TABLE[trigger]


def test_nobody_outside_the_directory_may_act(matrix: Context):
    ref = str(number("start", "吴九"))
    before = show_problem(matrix, ref)
    with pytest.raises(NotFound):
        advance(matrix, Advance(ref, "start", "路人甲"))
    assert show_problem(matrix, ref) == before
