"""What a report is computed from: the ledger as read from the database, in plain values.

The service reads these with SQLAlchemy Core and hands them over; nothing here knows
about the database. Times are already turned into calendar days of the round's time
zone where a day is what matters (``EventFact.day``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoundFact:
    id: int
    name: str
    code: str | None
    inspecting_body: str | None
    inspected_unit: str | None
    inspection_start: dt.date | None
    inspection_end: dt.date | None
    feedback_date: dt.date | None
    timezone: str


@dataclass(frozen=True)
class MeasureFact:
    id: int
    seq: int
    text: str
    unit: str | None
    deadline: dt.date | None
    state: str
    workflow: str


@dataclass(frozen=True)
class ProblemFact:
    id: int
    number: int
    title: str
    category: str | None
    kind: str  # immediate | dated | long_term
    leader: str | None
    lead_unit: str | None
    units: tuple[str, ...]  # co-responsible units (责任单位), besides the lead unit
    deadline: dt.date | None
    state: str
    workflow: str
    rebound_count: int
    progress: str | None
    measures: tuple[MeasureFact, ...] = ()


@dataclass(frozen=True)
class EventFact:
    """One audit event of a problem or a measure, in chain order."""

    seq: int
    subject_type: str  # problem | measure
    subject_id: int
    trigger: str
    from_state: str | None
    to_state: str | None
    at: dt.datetime  # UTC
    day: dt.date  # the calendar day of ``at`` in the round's time zone
    note: str | None = None
    old_deadline: dt.date | None = None  # for a deadline change: what it replaced
    rebound_count: int | None = None  # for a rebound: the count after it


@dataclass(frozen=True)
class Activity:
    """Figures of the office's work that other parts of supervise record; None where nothing records them."""

    work_prompts: int | None = None  # 工作提示 sent
    prompt_recipients: int | None = None  # distinct people who received them
    supervision_groups: int | None = None  # 督办组
    visits: int | None = None  # 实地督办 visits made
    selfcheck_campaigns: int | None = None  # 逐项对账自查 campaigns
    selfcheck_answers: int | None = None
    reviews: int | None = None  # 盘点 snapshots taken
    send_backs: int | None = None  # problems sent back for more work (from the history)


@dataclass(frozen=True)
class Ledger:
    """Everything a report needs about one round, as of one day."""

    round: RoundFact
    problems: tuple[ProblemFact, ...]
    events: tuple[EventFact, ...]
    as_of: dt.date
    activity: Activity = field(default_factory=Activity)
