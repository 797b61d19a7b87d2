"""Workflows as data: a YAML definition, validated whole, compiled into one shared state machine.

Each definition becomes ONE ``transitions.Machine`` (``model=None``, auto transitions
off) shared by every item that follows it. Items are never registered with the
machine: the machine's own event table is flattened once into a
``(state, trigger) -> Transition`` dict, which is what firing consults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from supervise.domain.errors import Defect, WorkflowInvalid
from supervise.domain.text import Text
from supervise.domain.yamlsource import YamlDocument, parse_yaml, pydantic_defects
from transitions import Machine

Role = Literal["office", "leader", "unit", "supervisor"]
ROLES: tuple[Role, ...] = ("office", "leader", "unit", "supervisor")
Requirement = Literal["note", "reason", "statement", "evidence", "measures_done", "not_submitter", "new_deadline"]
Effect = Literal["record_submitter", "count_rebound", "set_deadline"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
# Who hears about an item: the lead (or the measure's own) unit's contacts, the co-responsible
# units' contacts, the responsible leader, the office, the supervision groups.
Audience = Literal["lead_unit", "units", "leader", "office", "supervisor"]
LadderKind = Literal["immediate", "dated", "long_term"]

ROLE_LABELS: dict[str, Text] = {
    "office": Text("整改办", "the rectification office"),
    "leader": Text("责任领导", "the responsible leader"),
    "unit": Text("责任单位", "a responsible unit"),
    "supervisor": Text("督办组", "a supervision group"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateSpec(_Strict):
    name: Identifier
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    final: bool = False
    # False where deadlines no longer apply: the item is settled for this phase (long-term review, closed).
    tracks_deadline: bool = True


class TransitionSpec(_Strict):
    trigger: Identifier
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    source: list[str] = Field(min_length=1)
    dest: str | None = None
    roles: list[Role] = Field(min_length=1)
    requires: list[Requirement] = Field(default_factory=list)
    effects: list[Effect] = Field(default_factory=list)

    @field_validator("source", mode="before")
    @classmethod
    def _one_source_may_be_a_string(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class RungSpec(_Strict):
    """One step of a reminder ladder; ``at`` counts working days from the deadline (0 = on the day)."""

    name: Identifier
    at: int = Field(ge=-60, le=250)
    every: int | None = Field(default=None, ge=1, le=120)  # repeat until the next rung (forever if last)
    to: list[Audience] = Field(min_length=1)
    zh: str = Field(min_length=1)  # what is expected of the recipients
    en: str = Field(min_length=1)


class ReviewSpec(_Strict):
    """Periodic review prompts for items settled into a state that no longer tracks the deadline."""

    every: Literal["month", "quarter"] = "month"
    workday: int = Field(default=1, ge=1, le=15)  # the Nth working day of the period
    to: list[Audience] = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class RemindersSpec(_Strict):
    yellow_within: int = Field(default=5, ge=0, le=60)  # working days before the deadline: the light turns yellow
    ladders: dict[LadderKind, list[RungSpec]] = Field(default_factory=dict)
    review: ReviewSpec | None = None


class WorkflowSpec(_Strict):
    name: Identifier
    version: int = Field(ge=1)
    initial: str
    states: list[StateSpec] = Field(min_length=1)
    transitions: list[TransitionSpec] = Field(min_length=1)
    reminders: RemindersSpec | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str
    dest: str  # equals source for an internal transition
    roles: frozenset[str]
    requires: tuple[str, ...]
    effects: tuple[str, ...]
    label: Text


class Workflow:
    """A compiled workflow: the shared machine plus a flat lookup table derived from it."""

    def __init__(self, spec: WorkflowSpec, source: str) -> None:
        self.spec = spec
        self.source = source
        self.name = spec.name
        self.version = spec.version
        self.initial = spec.initial
        self.states = {s.name: s for s in spec.states}
        self.reminders = spec.reminders
        self.machine = Machine(
            model=None,
            states=[s.name for s in spec.states],
            transitions=[{"trigger": t.trigger, "source": t.source, "dest": t.dest} for t in spec.transitions],
            initial=spec.initial,
            auto_transitions=False,
        )
        self._table = self._flatten()
        self.triggers = tuple(dict.fromkeys(t.trigger for t in spec.transitions))

    def _flatten(self) -> dict[tuple[str, str], Transition]:
        specs = {(t.trigger, s): t for t in self.spec.transitions for s in t.source}
        table: dict[tuple[str, str], Transition] = {}
        for trigger, event in self.machine.events.items():
            for source, candidates in event.transitions.items():
                spec = specs[(trigger, source)]
                dest = candidates[0].dest or source
                table[(source, trigger)] = Transition(
                    trigger,
                    source,
                    dest,
                    frozenset(spec.roles),
                    tuple(spec.requires),
                    tuple(spec.effects),
                    Text(spec.zh, spec.en),
                )
        return table

    def find(self, state: str, trigger: str) -> Transition | None:
        return self._table.get((state, trigger))

    def sources_of(self, trigger: str) -> list[str]:
        return [s for (s, t) in self._table if t == trigger]

    def available(self, state: str) -> list[Transition]:
        return [t for (s, _), t in self._table.items() if s == state]

    def state_label(self, state: str) -> Text:
        spec = self.states.get(state)
        return Text(spec.zh, spec.en) if spec else Text(state, state)

    def is_final(self, state: str) -> bool:
        spec = self.states.get(state)
        return bool(spec and spec.final)

    def tracks_deadline(self, state: str) -> bool:
        spec = self.states.get(state)
        return bool(spec and spec.tracks_deadline and not spec.final)

    @property
    def open_states(self) -> list[str]:
        return [s.name for s in self.spec.states if not s.final]

    def mermaid(self) -> str:
        """A Mermaid state diagram, states labelled in both languages, edges with roles."""
        lines = ["---", f"title: {self.name} v{self.version}", "---", "stateDiagram-v2"]
        for s in self.spec.states:
            lines.append(f'    state "{s.zh} / {s.en}" as {s.name}')
        lines.append(f"    [*] --> {self.initial}")
        for t in self.spec.transitions:
            roles = ", ".join(t.roles)
            for src in t.source:
                lines.append(f"    {src} --> {t.dest or src}: {t.trigger} ({roles})")
        for s in self.spec.states:
            if s.final:
                lines.append(f"    {s.name} --> [*]")
        return "\n".join(lines) + "\n"


def load_workflow(text: str, source: str) -> Workflow:
    """Parse, validate and compile one workflow definition; raise ``WorkflowInvalid`` with every defect."""
    doc = parse_yaml(text, source, WorkflowInvalid)
    if not isinstance(doc.data, dict):
        raise WorkflowInvalid(source, [doc.defect((), Text("应为一个映射", "expected a mapping at the top"))])
    try:
        spec = WorkflowSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise WorkflowInvalid(source, pydantic_defects(doc, exc.errors())) from None
    defects = _semantic_defects(spec, doc)
    if defects:
        raise WorkflowInvalid(source, defects)
    return Workflow(spec, source)


def _semantic_defects(spec: WorkflowSpec, doc: YamlDocument) -> list[Defect]:
    defects: list[Defect] = []
    names = [s.name for s in spec.states]
    known = set(names)
    for i, name in enumerate(names):
        if name in names[:i]:
            defects.append(doc.defect(("states", i, "name"), Text(f"状态 {name} 重复", f"duplicate state {name}")))
    if spec.initial not in known:
        defects.append(doc.defect(("initial",), _unknown_state(spec.initial, names)))
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(spec.transitions):
        for j, src in enumerate(t.source):
            if src not in known:
                defects.append(doc.defect(("transitions", i, "source", j), _unknown_state(src, names)))
            if (t.trigger, src) in seen:
                defects.append(
                    doc.defect(
                        ("transitions", i, "source", j),
                        Text(f"{t.trigger} 从 {src} 出发已定义过", f"{t.trigger} from {src} is defined twice"),
                    )
                )
            seen.add((t.trigger, src))
        if t.dest is not None and t.dest not in known:
            defects.append(doc.defect(("transitions", i, "dest"), _unknown_state(t.dest, names)))
        if "set_deadline" in t.effects and "new_deadline" not in t.requires:
            defects.append(
                doc.defect(
                    ("transitions", i, "effects"),
                    Text(
                        "set_deadline 需要同时要求 new_deadline",
                        "set_deadline needs new_deadline in requires",
                    ),
                )
            )
    if spec.reminders is not None:
        defects += _ladder_defects(spec.reminders, doc)
    if not defects:
        defects += _unreachable(spec, doc)
    return defects


def _ladder_defects(spec: RemindersSpec, doc: YamlDocument) -> list[Defect]:
    """Rungs of a ladder must have distinct names and strictly increasing ``at``."""
    defects: list[Defect] = []
    for kind, rungs in spec.ladders.items():
        names: set[str] = set()
        for i, rung in enumerate(rungs):
            path = ("reminders", "ladders", kind, i)
            if rung.name in names:
                defects.append(
                    doc.defect((*path, "name"), Text(f"梯级 {rung.name} 重复", f"duplicate rung {rung.name}"))
                )
            names.add(rung.name)
            if i and rung.at <= rungs[i - 1].at:
                defects.append(
                    doc.defect(
                        (*path, "at"),
                        Text(
                            f"at 应大于上一梯级的 {rungs[i - 1].at}（按时间先后排列）",
                            f"at must be greater than the previous rung's {rungs[i - 1].at} (rungs in time order)",
                        ),
                    )
                )
    return defects


def _unreachable(spec: WorkflowSpec, doc: YamlDocument) -> list[Defect]:
    reached, frontier = {spec.initial}, [spec.initial]
    while frontier:
        state = frontier.pop()
        for t in spec.transitions:
            if state in t.source and t.dest and t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    return [
        doc.defect(("states", i, "name"), Text(f"状态 {s.name} 从初始状态不可达", f"state {s.name} is unreachable"))
        for i, s in enumerate(spec.states)
        if s.name not in reached
    ]


def _unknown_state(name: str, known: list[str]) -> Text:
    listing = ", ".join(known)
    return Text(f"未知状态 {name}（已定义：{listing}）", f"unknown state {name} (known: {listing})")
