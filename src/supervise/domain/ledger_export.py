"""The ledger laid out as offices keep it, and the canonical plan as YAML text.

One row per measure, the problem's cells beside it (merged over its measure rows in
Excel, repeated in CSV so that each row stands alone when sorted or filtered). The
headers are the ones the ledger reader knows, so an exported ledger reads back in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from supervise.domain.ledger_columns import export_headers
from supervise.domain.plan import MeasureSpec, Plan, ProblemSpec
from supervise.domain.registry import WorkflowRegistry

KIND_LABELS = {
    "zh": {"immediate": "立行立改", "dated": "限期整改", "long_term": "长期坚持"},
    "en": {"immediate": "immediate", "dated": "dated", "long_term": "long_term"},
}
# The problem's own columns (merged over its measure rows), then the measure's.
PROBLEM_COLUMNS = (
    "number",
    "category",
    "title",
    "kind",
    "leader",
    "lead_unit",
    "units",
    "deadline",
    "state",
    "rebound_count",
    "progress",
)
MEASURE_COLUMNS = ("measures", "measure_unit", "measure_deadline", "measure_state")
WIDTHS = {"title": 36, "units": 24, "progress": 40, "measures": 40, "category": 14, "lead_unit": 16}
WIDTHS.update({"measure_unit": 16, "number": 6, "rebound_count": 8})
# A problem's warning light (红灯/黄灯/绿灯), told by the export service from ``supervise.domain.lights``;
# without one the column is left out. The ledger reader ignores the column: a light is derived, never stored.
Light = Callable[[ProblemSpec], str | None]


@dataclass(frozen=True)
class Table:
    title: str
    sheet_name: str
    headers: list[str]
    rows: list[list[Any]]
    merges: list[tuple[int, int, int]] = field(default_factory=list)  # (first row, last row, column), 0-based
    widths: list[int] = field(default_factory=list)


def ledger_table(
    plan: Plan, registry: WorkflowRegistry, lang: str = "zh", today: dt.date | None = None, light: Light | None = None
) -> Table:
    names = export_headers(lang)
    columns: list[str] = list(PROBLEM_COLUMNS)
    if light is not None:
        columns.insert(columns.index("state") + 1, "light")
    columns += MEASURE_COLUMNS
    headers = [names[c] for c in columns]
    split = columns.index("measures")
    labels = _Labels(registry, lang)
    rows: list[list[Any]] = []
    merges: list[tuple[int, int, int]] = []
    for problem in plan.problems:
        own = labels.problem_cells(problem, columns[:split], light)
        first = len(rows)
        measures: list[MeasureSpec | None] = [*problem.measures] or [None]
        for measure in measures:
            rows.append(own + labels.measure_cells(measure))
        if len(rows) - first > 1:
            merges += [(first, len(rows) - 1, c) for c in range(split)]
    stamp = f"（{today.isoformat()}）" if today else ""
    title = f"{plan.round.name} 整改台账{stamp}" if lang == "zh" else f"{plan.round.name} rectification ledger{stamp}"
    widths = [WIDTHS.get(c, 12) for c in columns]
    return Table(title, "整改台账" if lang == "zh" else "Ledger", headers, rows, merges, widths)


class _Labels:
    def __init__(self, registry: WorkflowRegistry, lang: str) -> None:
        self.registry, self.lang = registry, lang
        self.kinds = KIND_LABELS["zh" if lang == "zh" else "en"]
        self.sep = "、" if lang == "zh" else "; "

    def state(self, workflow: str, state: str | None) -> str | None:
        if state is None or workflow not in self.registry:
            return state
        label = self.registry.get(workflow).state_label(state)
        return label.zh if self.lang == "zh" else label.en

    def problem_cells(self, p: ProblemSpec, columns: list[str], light: Light | None) -> list[Any]:
        values: dict[str, Any] = {
            "number": p.number,
            "category": p.category,
            "title": p.title,
            "kind": self.kinds[p.kind],
            "leader": p.leader,
            "lead_unit": p.lead_unit,
            "units": self.sep.join(p.units) or None,
            "deadline": p.deadline or (self.kinds["long_term"] if p.kind == "long_term" else None),
            "state": self.state(p.workflow, p.state),
            "rebound_count": p.rebound_count,
            "progress": p.progress,
            "light": light(p) if light is not None else None,
        }
        return [values[c] for c in columns]

    def measure_cells(self, m: MeasureSpec | None) -> list[Any]:
        if m is None:
            return [None] * len(MEASURE_COLUMNS)
        return [m.text, m.unit, m.deadline, self.state("measure", m.state)]


def plan_yaml(plan: Plan, comment: str = "") -> str:
    """The plan in the canonical YAML format, as ``supervise import`` reads it."""
    data = plan.model_dump(mode="python", exclude_none=True)
    # Defaults are left out to keep the file short, except kind, which a reader should always see.
    for person in data.get("people", []):
        _drop_empty(person, roles=[])
    for problem in data.get("problems", []):
        _drop_empty(problem, units=[], measures=[], rebound_count=0, workflow="problem")
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + body


def _drop_empty(mapping: dict[str, Any], **defaults: Any) -> None:
    for key, default in defaults.items():
        if mapping.get(key) == default:
            del mapping[key]
