"""The canonical plan format (整改方案): a round, its units and people, its problems and measures.

``parse_plan`` validates a whole YAML plan and reports every defect with its line and
key; nothing about the database is known here (the import service resolves names).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from supervise.domain.errors import Defect, InputRejected
from supervise.domain.plan_fields import Count, Email, Name100, Name200, Number, PlanDate, StateName, TextBlock
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.text import Text
from supervise.domain.workflow import Role
from supervise.domain.yamlsource import parse_yaml, pydantic_defects, pydantic_text

Kind = Literal["immediate", "dated", "long_term"]
KINDS: tuple[Kind, ...] = ("immediate", "dated", "long_term")
# Local parts stay ASCII so that addresses survive every mail server; names may be Chinese.
# The domain is plain ASCII labels (an internationalised one in its xn-- form): nothing that a mail
# header or an SMTP envelope would read as a separator (, ; < > " spaces) can reach either.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9._%+-]+@{_LABEL}(?:\.{_LABEL})+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Period(_Strict):
    start: PlanDate
    end: PlanDate


class RoundSpec(_Strict):
    name: Name200
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
    inspecting_body: Name200 | None = None
    inspected_unit: Name200 | None = None
    inspection: Period | None = None
    feedback_date: PlanDate | None = None
    timezone: str = Field(default="Asia/Shanghai", max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class PersonSpec(_Strict):
    name: Name100
    email: Email | None = None
    unit: Name200 | None = None
    roles: list[Role] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _plain_address(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("expected an address like name@example.org with an ASCII local part")
        return value


class MeasureSpec(_Strict):
    text: TextBlock
    unit: Name200 | None = None
    deadline: PlanDate | None = None
    state: StateName | None = None


class ProblemSpec(_Strict):
    number: Number
    title: TextBlock
    category: Name200 | None = None
    kind: Kind = "dated"
    leader: Name100 | None = None
    lead_unit: Name200 | None = None
    units: list[Name200] = Field(default_factory=list)
    deadline: PlanDate | None = None
    progress: TextBlock | None = None
    workflow: StateName = "problem"
    state: StateName | None = None
    rebound_count: Count = 0
    measures: list[MeasureSpec] = Field(default_factory=list)


class Plan(_Strict):
    round: RoundSpec
    units: list[Name200] = Field(default_factory=list)
    people: list[PersonSpec] = Field(default_factory=list)
    problems: list[ProblemSpec] = Field(default_factory=list)


class Locator(Protocol):
    """Turns a path in the plan, such as ``("problems", 3, "leader")``, into a defect with its place."""

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect: ...


@dataclass(frozen=True)
class ParsedPlan:
    plan: Plan
    locate: Locator


def parse_plan(text: str, source: str, registry: WorkflowRegistry) -> ParsedPlan:
    doc = parse_yaml(text, source)
    if not isinstance(doc.data, dict):
        raise InputRejected(
            source,
            [doc.defect((), Text("应为一个映射（round、problems…）", "expected a mapping (round, problems, …)"))],
        )
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        raise InputRejected(source, pydantic_defects(doc, exc.errors())) from None
    defects = plan_defects(plan, doc, registry)
    if defects:
        raise InputRejected(source, defects)
    return ParsedPlan(plan, doc)


def validate_plan(
    data: dict[str, Any], locate: Locator, source: str, registry: WorkflowRegistry, found: list[Defect] | None = None
) -> ParsedPlan:
    """Validate plan data built by any reader (CSV, Excel, report text) as ``parse_plan`` validates YAML.

    ``found`` holds the defects the reader already met; every defect is reported at
    once, and a place already reported is not reported again for the same field.
    """
    defects = list(found or [])
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        defects += [locate.defect(_loc(err["loc"]), pydantic_text(err)) for err in exc.errors()]
    if plan is not None:
        defects += plan_defects(plan, locate, registry)
    if defects:
        raise InputRejected(source, _unique_places(defects))
    assert plan is not None
    return ParsedPlan(plan, locate)


def _loc(loc: Iterable[Any]) -> tuple[str | int, ...]:
    return tuple(p for p in loc if not str(p).startswith("function-"))


def _unique_places(defects: list[Defect]) -> list[Defect]:
    """The first defect of each (source, location, field): a bad cell is not also reported as a missing value."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in defects:
        key = (d.source, d.location, d.field)
        if key not in seen or not d.location:
            seen.add(key)
            out.append(d)
    return out


def plan_defects(plan: Plan, doc: Locator, registry: WorkflowRegistry) -> list[Defect]:
    defects = _duplicates(doc, "problems", [p.number for p in plan.problems], "number")
    defects += _duplicates(doc, "people", [p.name for p in plan.people], "name")
    defects += _duplicates(doc, "units", list(plan.units), None)
    if plan.round.inspection and plan.round.inspection.end < plan.round.inspection.start:
        defects.append(
            doc.defect(("round", "inspection", "end"), Text("结束日期早于开始日期", "ends before it starts"))
        )
    for i, problem in enumerate(plan.problems):
        defects += _problem_defects(problem, ("problems", i), doc, registry)
    return defects


def _problem_defects(
    p: ProblemSpec, path: tuple[str | int, ...], doc: Locator, registry: WorkflowRegistry
) -> list[Defect]:
    defects = []
    if p.kind == "dated" and p.deadline is None:
        defects.append(
            doc.defect(
                (*path, "deadline"),
                Text("dated（限期整改）问题必须有整改时限", "a dated problem needs a deadline"),
            )
        )
    if p.workflow not in registry:
        defects.append(
            doc.defect(
                (*path, "workflow"),
                Text(
                    f"未知流程 {p.workflow}",
                    f"unknown workflow {p.workflow} (known: {', '.join(registry.names())})",
                ),
            )
        )
        return defects
    workflow = registry.get(p.workflow)
    if p.state is not None and p.state not in workflow.states:
        defects.append(doc.defect((*path, "state"), _bad_state(p.state, list(workflow.states))))
    if "measure" in registry:
        measure_states = list(registry.get("measure").states)
        for j, m in enumerate(p.measures):
            if m.state is not None and m.state not in measure_states:
                defects.append(doc.defect((*path, "measures", j, "state"), _bad_state(m.state, measure_states)))
    return defects


def _bad_state(state: str, known: list[str]) -> Text:
    listing = ", ".join(known)
    return Text(f"未知状态 {state}（可用：{listing}）", f"unknown state {state} (known: {listing})")


def _duplicates(doc: Locator, key: str, values: list[object], field: str | None) -> list[Defect]:
    counts = Counter(values)
    out = []
    for i, value in enumerate(values):
        if counts[value] > 1 and values.index(value) != i:
            path: tuple[str | int, ...] = (key, i, field) if field else (key, i)
            out.append(doc.defect(path, Text(f"{value} 重复出现", f"{value} appears more than once")))
    return out
