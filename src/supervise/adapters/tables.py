"""The ledger's tables as SQLAlchemy 2 typed mappings.

States are plain strings (the workflows are data; a new state needs no migration);
kinds and roles are fixed and guarded by named CHECK constraints. Times are UTC at
rest through ``UTCDateTime``; deadlines are calendar dates in the round's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no offset, so values are stored as naive UTC there; an unaware value
    is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: supervise stores only aware times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dt.date: Date()}


class Round(Base):
    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    inspecting_body: Mapped[str | None] = mapped_column(String(200))
    inspected_unit: Mapped[str | None] = mapped_column(String(200))
    inspection_start: Mapped[dt.date | None]
    inspection_end: Mapped[dt.date | None]
    feedback_date: Mapped[dt.date | None]
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[dt.datetime]


class PersonRole(Base):
    __tablename__ = "person_roles"
    __table_args__ = (CheckConstraint("role IN ('office', 'leader', 'unit', 'supervisor')", name="role"),)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        UniqueConstraint("round_id", "number", name="uq_problems_round_number"),
        CheckConstraint("kind IN ('immediate', 'dated', 'long_term')", name="kind"),
        CheckConstraint("length(state) > 0", name="state"),
        CheckConstraint("rebound_count >= 0", name="rebound_count"),
        Index("ix_problems_state", "state"),
        Index("ix_problems_lead_unit_id", "lead_unit_id"),
        Index("ix_problems_leader_id", "leader_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[dt.date | None]
    state: Mapped[str] = mapped_column(String(40))
    workflow: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int]
    rebound_count: Mapped[int] = mapped_column(default=0)
    progress: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    __mapper_args__ = {"version_id_col": version}


class ProblemUnit(Base):
    """Co-responsible units (责任单位) of a problem, besides its lead unit."""

    __tablename__ = "problem_units"
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (
        UniqueConstraint("problem_id", "seq", name="uq_measures_problem_seq"),
        CheckConstraint("length(state) > 0", name="state"),
        Index("ix_measures_unit_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[dt.date | None]
    state: Mapped[str] = mapped_column(String(40))
    workflow: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    __mapper_args__ = {"version_id_col": version}


class Evidence(Base):
    """Proof of a fix (佐证材料): what it is, where it is kept, and its SHA-256."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_problem_id", "problem_id"),
        Index("ix_evidence_measure_id", "measure_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class Event(Base):
    """The audit history: append-only (database triggers refuse UPDATE and DELETE) and hash-chained."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    subject_ref: Mapped[str] = mapped_column(String(300))
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The end of the chain. Appending locks this single row, which orders all appends."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


problems = cast(Table, Problem.__table__)
measures = cast(Table, Measure.__table__)
events = cast(Table, Event.__table__)
audit_head = cast(Table, AuditHead.__table__)
people = cast(Table, Person.__table__)
person_roles = cast(Table, PersonRole.__table__)
units = cast(Table, Unit.__table__)
rounds = cast(Table, Round.__table__)
problem_units = cast(Table, ProblemUnit.__table__)
evidence = cast(Table, Evidence.__table__)


# --- Reminders and the outbox (migration 0002) ---------------------------------------------------

# The scans find due items by deadline and by recent change: both need an index on the item tables.
Index("ix_measures_deadline_state", Measure.__table__.c.deadline, Measure.__table__.c.state)
Index("ix_measures_updated_at", Measure.__table__.c.updated_at)
Index("ix_problems_deadline_state", Problem.__table__.c.deadline, Problem.__table__.c.state)
Index("ix_problems_updated_at", Problem.__table__.c.updated_at)


class ReminderState(Base):
    """One row. A scan locks it first, so scans run one after another (a second beat only waits);
    it numbers the work prompts and remembers how far the scans have looked."""

    __tablename__ = "reminder_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    last_prompt_number: Mapped[int] = mapped_column(default=0)
    scanned_until: Mapped[dt.datetime | None]
    needs_full: Mapped[bool] = mapped_column(Boolean, default=True)


class ReminderRun(Base):
    """One scan: when, for which time, what it found, and any problem the office must see."""

    __tablename__ = "reminder_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    now: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime]
    scanned_from: Mapped[dt.datetime | None]
    full: Mapped[bool] = mapped_column(Boolean)
    reminders: Mapped[int] = mapped_column(default=0)
    prompts: Mapped[int] = mapped_column(default=0)
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {code, zh, en}


class Reminder(Base):
    """One firing of one rung for one item, recorded exactly once (the unique key), with a snapshot
    of what the recipients were told."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "rung", "anchor", "occurrence", name="uq_reminders_key"),
        CheckConstraint("subject_type IN ('problem', 'measure', 'visit', 'selfcheck')", name="subject_type"),
        Index("ix_reminders_run_id", "run_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reminder_runs.id"))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    rung: Mapped[str] = mapped_column(String(40))
    anchor: Mapped[dt.date]  # the deadline (or the review period's first day)
    occurrence: Mapped[int]
    due_on: Mapped[dt.date]
    ref: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    deadline: Mapped[dt.date | None]
    light: Mapped[str | None] = mapped_column(String(10))
    expected_zh: Mapped[str] = mapped_column(Text)
    expected_en: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime]


class WorkPrompt(Base):
    """A work prompt (工作提示 No. N): one digest for one person from one scan."""

    __tablename__ = "work_prompts"
    __table_args__ = (Index("ix_work_prompts_person_id", "person_id"), Index("ix_work_prompts_run_id", "run_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reminder_runs.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recipient: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    items: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]


class PromptItem(Base):
    """An item listed in a work prompt, and why this person hears of it."""

    __tablename__ = "prompt_items"
    __table_args__ = (Index("ix_prompt_items_reminder_id", "reminder_id"),)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("work_prompts.id"), primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(20))


class OutboxMessage(Base):
    """An email waiting to leave, written in the same transaction as what it reports.

    pending -> sending (claimed by one sender) -> sent | failed; a transient failure goes back
    to pending with a later ``next_attempt_at``; a claim older than the lease is taken over.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name="state"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("work_prompts.id"), unique=True)
    to_name: Mapped[str] = mapped_column(String(100))
    to_addr: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class CalendarDay(Base):
    """The office's correction of the national calendar for one date."""

    __tablename__ = "calendar_days"
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class CalendarYear(Base):
    """A year the office has entered by hand (its holidays as ``calendar_days``), beyond the library's."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


reminder_state = cast(Table, ReminderState.__table__)
reminder_runs = cast(Table, ReminderRun.__table__)
reminders = cast(Table, Reminder.__table__)
work_prompts = cast(Table, WorkPrompt.__table__)
prompt_items = cast(Table, PromptItem.__table__)
outbox = cast(Table, OutboxMessage.__table__)
calendar_days = cast(Table, CalendarDay.__table__)
calendar_years = cast(Table, CalendarYear.__table__)

# The oversight tables live in their own module (size); importing it here keeps Base.metadata whole
# for migrations and for every query that starts from this module.
from supervise.adapters import tables_oversight as _oversight  # noqa: E402, F401
