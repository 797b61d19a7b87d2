"""Many processes firing conflicting transitions on the same problems: the racers and the plan.

A racer is a separate process (``spawn``) with its own engine. Each attempt picks a problem,
a trigger and an actor at random — the office, the supervision group, a leader, a unit
contact, in or out of their scope, with or without the note a trigger needs — so that
refusals of every kind happen beside real moves, and many attempts land on a problem
another process is changing at that moment. Some attempts act on a version read a moment
before (as a screen that shows the item and then acts), some move several problems at
once (``advance_many``). Every outcome is classified; anything that is not a move, a
``Conflict`` or a refusal naming its reasons is an error the test reports.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from supervise.adapters.db import make_engine
from supervise.adapters.tables import problems
from supervise.adapters.workflow_files import load_registry
from supervise.domain.errors import BulkRefused, Conflict, SuperviseError, TransitionRefused
from supervise.domain.plan import ParsedPlan, PersonSpec, Plan, ProblemSpec, RoundSpec
from supervise.domain.yamlsource import parse_yaml
from supervise.services.context import Context
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many

UNITS = [f"责任单位{i}" for i in range(1, 6)]
OFFICE = ["整改办甲", "整改办乙"]
LEADERS = ["领导甲", "领导乙"]
CONTACTS = [f"联系人{i}" for i in range(1, 6)]
ACTORS = [*OFFICE, "督办组", *LEADERS, *CONTACTS]
TRIGGERS = ["start", "submit", "verify", "close", "send_back", "reopen", "keep_long_term", "extend"]
DEADLINES = [dt.date(2024, 6, 30), dt.date(2024, 9, 30), dt.date(2024, 12, 31)]
# Why a transition may be refused (domain.rules): every refusal must name one of these.
REASONS = {"wrong_state", "role", "not_responsible", "note", "reason", "statement", "not_submitter", "new_deadline"}


def race_plan(count: int) -> ParsedPlan:
    people = [PersonSpec(name=n, roles=["office"]) for n in OFFICE]
    people += [PersonSpec(name="督办组", roles=["supervisor"])]
    people += [PersonSpec(name=n, roles=["leader"]) for n in LEADERS]
    people += [PersonSpec(name=c, unit=u, roles=["unit"]) for c, u in zip(CONTACTS, UNITS, strict=True)]
    plan = Plan(round=RoundSpec(name="并发压力测试", code="LOAD"), units=UNITS, people=people)
    plan.problems = [
        ProblemSpec(
            number=n,
            title=f"问题{n}",
            kind="dated",
            leader=LEADERS[n % 2],
            lead_unit=UNITS[n % 5],
            units=[UNITS[(n + 1) % 5]],
            deadline=DEADLINES[0],
        )
        for n in range(1, count + 1)
    ]
    return ParsedPlan(plan, parse_yaml("{}", "load"))


@dataclass
class Tally:
    outcomes: Counter[str] = field(default_factory=Counter)
    moved: int = 0  # items moved (a bulk success moves several)
    errors: list[str] = field(default_factory=list)


def race(url: str, seed: int, attempts: int, count: int) -> Tally:
    """One racer: ``attempts`` random transitions on problems 1..``count``."""
    ctx = Context(make_engine(url, pool_size=1), load_registry())
    racer = _Racer(ctx, random.Random(seed), count)
    try:
        for _ in range(attempts):
            racer.attempt()
    finally:
        ctx.engine.dispose()
    return racer.tally


class _Racer:
    """Mostly plausible moves — a trigger allowed from the state it last saw, by someone entitled to
    it — half of them on the same ten problems everyone is working on; the rest at random."""

    def __init__(self, ctx: Context, rng: random.Random, count: int) -> None:
        self.ctx, self.rng, self.count = ctx, rng, count
        self.workflow = ctx.workflows.get("problem")
        self.seen: dict[int, str] = {}  # problem number -> the state this racer last saw
        self.tally = Tally()

    def attempt(self) -> None:
        rng = self.rng
        number = rng.randint(1, 10) if rng.random() < 0.5 else rng.randint(1, self.count)
        trigger = self._trigger(number)
        actor = self._actor(number, trigger)
        note = "整改说明" if rng.random() < 0.95 else None
        deadline = rng.choice(DEADLINES) if trigger == "extend" else None
        try:
            if rng.random() < 0.1:
                others = rng.sample(range(1, self.count + 1), rng.randint(1, 5))
                refs = tuple(dict.fromkeys(f"LOAD:{n}" for n in [number, *others]))
                result = advance_many(self.ctx, BulkAdvance(refs, trigger, actor, note, deadline))
                self.tally.moved += result.moved
                self.tally.outcomes["bulk moved"] += 1
                return
            seen = self._version(number) if rng.random() < 0.25 else None
            moved = advance(
                self.ctx, Advance(f"LOAD:{number}", trigger, actor, note, deadline=deadline, expected_version=seen)
            )
            self.seen[number] = moved.to_state
            self.tally.moved += 1
            self.tally.outcomes["moved"] += 1
        except Conflict as exc:
            _check_text(exc, self.tally)
            self.tally.outcomes["conflict"] += 1
        except TransitionRefused as exc:
            _check_refusal(exc, self.tally)
            self.seen[number] = exc.details["state"]
            self.tally.outcomes["refused: " + "+".join(sorted(m.code for m in exc.missing))] += 1
        except BulkRefused as exc:
            _check_text(exc, self.tally)
            for refusal in exc.refusals:
                if isinstance(refusal, TransitionRefused):
                    _check_refusal(refusal, self.tally)
                else:
                    self.tally.errors.append(f"bulk refusal of an unexpected kind: {refusal!r}")
            self.tally.outcomes["bulk refused"] += 1
        except Exception as exc:  # anything else — a deadlock, a serialization failure, a lost lock — is a bug
            self.tally.errors.append(f"{type(exc).__name__}: {exc}")

    def _trigger(self, number: int) -> str:
        state = self.seen.get(number, self.workflow.initial)
        plausible = [t for t in TRIGGERS if self.workflow.find(state, t) is not None]
        return self.rng.choice(plausible if plausible and self.rng.random() < 0.8 else TRIGGERS)

    def _actor(self, number: int, trigger: str) -> str:
        if self.rng.random() < 0.2:
            return self.rng.choice(ACTORS)
        entitled = {
            "office": OFFICE,
            "supervisor": ["督办组"],
            "leader": [LEADERS[number % 2]],
            "unit": [CONTACTS[number % 5], CONTACTS[(number + 1) % 5]],
        }
        roles = {r for t in self.workflow.spec.transitions if t.trigger == trigger for r in t.roles}
        return self.rng.choice([name for role in sorted(roles) for name in entitled[role]] or ACTORS)

    def _version(self, number: int) -> int:
        with self.ctx.reading() as conn:
            query = select(problems.c.version).where(problems.c.number == number)
            return int(conn.execute(query).scalar_one())


def _check_text(exc: SuperviseError, tally: Tally) -> None:
    if not (exc.text.zh.strip() and exc.text.en.strip()):
        tally.errors.append(f"{exc.code} without a bilingual message: {exc!r}")


def _check_refusal(exc: TransitionRefused, tally: Tally) -> None:
    _check_text(exc, tally)
    codes = {m.code for m in exc.missing}
    if not exc.missing or not codes <= REASONS or not all(m.text.zh and m.text.en for m in exc.missing):
        tally.errors.append(f"a refusal without clear reasons: {exc.as_dict()}")
