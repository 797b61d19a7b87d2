"""The office the fault-injection tests run: a plan with many recipients, and what each must receive.

Every problem has its own lead unit with one contact, and one of a few leaders, so one
scan on the deadline day writes one work prompt per contact and one per leader. The
expectation is worked out here from the plan and the workflow's ladder, independently of
what the scan records, so that a reminder the scan lost would show as missing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from supervise.domain.ladder import Reminders
from supervise.domain.plan import ParsedPlan, PersonSpec, Plan, ProblemSpec, RoundSpec
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.yamlsource import parse_yaml
from supervise.services.context import Context
from supervise.services.importing import import_plan
from tests.reliability.smtp import FaultySmtp

ROUND = "RL"
OFFICE = "office@example.org"
ZONE = "Asia/Shanghai"


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """``hour:minute`` in Beijing on ``day``, as an aware UTC time (after the 08:30 send time)."""
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return local.astimezone(dt.UTC)


def contact(i: int) -> str:
    return f"unit{i:03d}@example.org"


def leader(k: int) -> str:
    return f"leader{k}@example.org"


@dataclass(frozen=True)
class Office:
    problems: int
    leaders: int
    deadline: Callable[[int], dt.date]  # problem number -> deadline
    kind: str = "immediate"

    def leader_of(self, number: int) -> int:
        return number % self.leaders + 1

    def plan(self) -> ParsedPlan:
        units = [f"责任单位{i:03d}" for i in range(1, self.problems + 1)]
        people = [PersonSpec(name="整改办", email=OFFICE, roles=["office"])]
        people += [PersonSpec(name="督办组", email="supervisor@example.org", roles=["supervisor"])]
        people += [PersonSpec(name=f"领导{k}", email=leader(k), roles=["leader"]) for k in range(1, self.leaders + 1)]
        people += [
            PersonSpec(name=f"联系人{i:03d}", email=contact(i), unit=units[i - 1], roles=["unit"])
            for i in range(1, self.problems + 1)
        ]
        problems = [
            ProblemSpec(
                number=n,
                title=f"问题{n}：整改事项",
                kind=self.kind,
                leader=f"领导{self.leader_of(n)}",
                lead_unit=units[n - 1],
                deadline=self.deadline(n),
            )
            for n in range(1, self.problems + 1)
        ]
        plan = Plan(round=RoundSpec(name="可靠性测试轮次", code=ROUND, timezone=ZONE), units=units, people=people)
        plan.problems = problems
        return ParsedPlan(plan, parse_yaml("{}", "reliability"))

    def load(self, ctx: Context) -> None:
        import_plan(ctx, self.plan(), "reliability")

    def due_on(self, registry: WorkflowRegistry, rung: str, numbers: list[int]) -> dict[str, Counter[tuple[str, str]]]:
        """What the rung ``rung`` of the problems ``numbers`` sends, by address: (ref, expected) items.

        Audiences: ``lead_unit`` → the problem's contact, ``leader`` → its leader, ``office``.
        """
        spec = registry.get("problem").reminders
        assert spec is not None
        ladder = Reminders(spec).ladder(self.kind)
        assert ladder is not None
        (step,) = [r for r in ladder.rungs if r.name == rung]
        out: dict[str, Counter[tuple[str, str]]] = {}
        for n in numbers:
            item = (f"{ROUND}:{n}", step.expected.en)
            addresses = {"lead_unit": contact(n), "leader": leader(self.leader_of(n)), "office": OFFICE}
            for audience in step.to:
                if audience in addresses:
                    out.setdefault(addresses[audience], Counter())[item] += 1
        return out


def merge(*parts: dict[str, Counter[tuple[str, str]]]) -> dict[str, Counter[tuple[str, str]]]:
    out: dict[str, Counter[tuple[str, str]]] = {}
    for part in parts:
        for address, items in part.items():
            out.setdefault(address, Counter()).update(items)
    return out


@dataclass
class Deliveries:
    """What the server received, checked against what was due."""

    messages: int  # distinct Message-IDs
    duplicates: dict[str, int]  # Message-ID -> times received, for those received more than once


def check_deliveries(
    server: FaultySmtp,
    expected: dict[str, Counter[tuple[str, str]]],
    *,
    duplicates_allowed: int = 0,
    failed: frozenset[str] = frozenset(),
) -> Deliveries:
    """Every due item reached each of its recipients, nothing else did, and each message arrived once.

    ``duplicates_allowed``: messages that may arrive twice — the documented window of a
    sender killed after the server accepted a message and before it recorded that — each
    a resend of the very same message (same Message-ID, same recipient, same items).
    ``failed``: addresses the server refused permanently: they must have received nothing.
    """
    received = server.snapshot()
    by_id: dict[str, set[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    for r in received:
        by_id.setdefault(r.message_id, set()).add((r.recipient, tuple(r.items())))
    assert all(len(v) == 1 for v in by_id.values()), "one Message-ID, two different messages"
    counts = Counter(r.message_id for r in received)
    duplicates = {mid: n for mid, n in counts.items() if n > 1}
    assert len(duplicates) <= duplicates_allowed and all(n == 2 for n in duplicates.values()), duplicates
    # Item by item, counting each message once: nothing lost, nothing sent that was not due.
    once: dict[str, Counter[tuple[str, str]]] = {}
    for variants in by_id.values():
        ((recipient, items),) = variants
        once.setdefault(recipient, Counter()).update(items)
    wanted = {a: c for a, c in expected.items() if a not in failed}
    assert not (set(once) & failed), f"a refused address received mail: {set(once) & failed}"
    missing = {a: c - once.get(a, Counter()) for a, c in wanted.items() if c - once.get(a, Counter())}
    extra = {a: c - wanted.get(a, Counter()) for a, c in once.items() if c - wanted.get(a, Counter())}
    assert not missing, f"due items that never arrived: {missing}"
    assert not extra, f"items that arrived but were not due (or arrived twice in two messages): {extra}"
    return Deliveries(len(by_id), duplicates)
