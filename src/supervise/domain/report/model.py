"""What a report says, computed once and rendered by every format alike.

``as_dict`` gives the JSON form: its keys are stable and documented in docs/reports.md
(``schema`` names the version; a key is only ever added, never renamed, within a version).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from supervise.domain.report.facts import Activity, RoundFact
from supervise.domain.text import Text

SCHEMA = "supervise.report/1"

# The signal of an item: a warning light while its deadline counts, otherwise why it does not.
SIGNALS = ("red", "yellow", "green", "none", "long_term", "done")
SIGNAL_LABELS: dict[str, Text] = {
    "red": Text("红灯", "red"),
    "yellow": Text("黄灯", "yellow"),
    "green": Text("绿灯", "green"),
    "none": Text("无时限", "no deadline"),
    "long_term": Text("长期坚持", "long-term"),
    "done": Text("已完成", "done"),
}
SIGNAL_MEANINGS: dict[str, Text] = {
    "red": Text("已逾期", "overdue"),
    "yellow": Text("临近时限或举措滞后", "close to the deadline, or measures behind"),
    "green": Text("正常推进", "on track"),
    "none": Text("未设时限", "no deadline set"),
    "long_term": Text("阶段销号，长期坚持", "settled for now, kept under review"),
    "done": Text("已销号或完成", "closed or done"),
}


@dataclass(frozen=True)
class StateCount:
    state: str
    label: Text
    count: int


@dataclass(frozen=True)
class Summary:
    problems: int
    problems_closed: int
    problems_open: int  # in a state that tracks the deadline
    problems_long_term: int  # settled for now, kept under periodic review
    problems_overdue: int
    problems_by_state: list[StateCount]
    problems_by_signal: dict[str, int]
    measures: int
    measures_done: int
    measures_overdue: int
    measures_by_state: list[StateCount]
    measures_by_signal: dict[str, int]
    rebounds: int  # reopenings counted on the problems
    problems_rebounded: int
    kinds: dict[str, int]  # immediate / dated / long_term, as planned
    closed_share: float  # closed / problems, 0..1


@dataclass(frozen=True)
class LightRow:
    """One problem in the warning-light table."""

    number: int
    title: str
    kind: str
    lead_unit: str | None
    leader: str | None
    deadline: dt.date | None
    state: str
    state_label: Text
    signal: str
    days_overdue: int
    days_left: int | None  # calendar days to the deadline, while it counts and is not past
    measures: int
    measures_done: int
    measures_overdue: int
    rebound_count: int


@dataclass(frozen=True)
class LedgerMeasure:
    seq: int
    text: str
    unit: str | None
    deadline: dt.date | None
    state: str
    state_label: Text
    signal: str
    days_overdue: int


@dataclass(frozen=True)
class LedgerRow:
    """One problem as the ledger (整改台账) shows it, with its measures and its progress note."""

    number: int
    title: str
    category: str | None
    kind: str
    leader: str | None
    lead_unit: str | None
    units: list[str]
    deadline: dt.date | None
    state: str
    state_label: Text
    signal: str
    rebound_count: int
    progress: str | None
    measures: list[LedgerMeasure]


@dataclass(frozen=True)
class OverdueItem:
    ref: str  # "13" or "13.2"
    subject: str  # problem | measure
    number: int
    text: str
    unit: str | None
    leader: str | None
    deadline: dt.date
    days_overdue: int
    state: str
    state_label: Text


@dataclass(frozen=True)
class OverdueGroup:
    name: str | None  # None: no unit or leader named
    items: list[OverdueItem]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def max_days(self) -> int:
        return max((i.days_overdue for i in self.items), default=0)

    @property
    def total_days(self) -> int:
        return sum(i.days_overdue for i in self.items)


@dataclass(frozen=True)
class Closing:
    number: int
    title: str
    created: dt.date
    closed: dt.date
    days: int


@dataclass(frozen=True)
class DaysToClose:
    count: int
    median: float | None
    max: int | None
    mean: float | None
    items: list[Closing]


@dataclass(frozen=True)
class BurnPoint:
    day: dt.date
    open: int  # deadline still counts
    long_term: int
    closed: int

    @property
    def total(self) -> int:
        return self.open + self.long_term + self.closed


@dataclass(frozen=True)
class Burndown:
    step: str  # day | week
    start: dt.date
    end: dt.date
    points: list[BurnPoint]
    target: dt.date | None  # the latest deadline of a dated or immediate problem: where the ideal line reaches 0


@dataclass(frozen=True)
class LeagueRow:
    unit: str | None
    items: int  # problems it leads, plus measures it owns
    done: int
    open: int
    overdue: int
    due: int  # items whose outcome is known: done with a known day, or past their deadline
    on_time: int
    rank: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def done_rate(self) -> float:
        return self.done / self.items if self.items else 0.0


@dataclass(frozen=True)
class Report:
    round: RoundFact
    as_of: dt.date
    summary: Summary
    lights: list[LightRow]
    ledger: list[LedgerRow]
    overdue: list[OverdueItem]
    overdue_by_unit: list[OverdueGroup]
    overdue_by_leader: list[OverdueGroup]
    days_to_close: DaysToClose
    burndown: Burndown
    league: list[LeagueRow]
    activity: Activity
    notes: list[Text] = field(default_factory=list)  # caveats the reader should see (e.g. calendar fallback)

    def as_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **_plain(self)}


def activity_rows(report: Report) -> list[tuple[str, int]]:
    """The office's work as (label key, figure), only the figures something records."""
    a = report.activity
    pairs = [
        ("work_prompts", a.work_prompts),
        ("groups", a.supervision_groups),
        ("visits", a.visits),
        ("selfchecks", a.selfcheck_campaigns),
        ("reviews", a.reviews),
        ("send_backs", a.send_backs),
    ]
    return [(k, v) for k, v in pairs if v is not None]


def _plain(value: Any) -> Any:
    """Dataclasses to dicts (with their computed properties), Text to {zh, en}, dates to ISO strings."""
    if isinstance(value, Text):
        return {"zh": value.zh, "en": value.en}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in _PROPERTIES.get(type(value).__name__, ()):
            out[name] = _plain(getattr(value, name))
        return out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


_PROPERTIES = {
    "OverdueGroup": ("count", "max_days", "total_days"),
    "BurnPoint": ("total",),
    "LeagueRow": ("on_time_rate", "done_rate"),
}
