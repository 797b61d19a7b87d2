"""Tables of the office's oversight: supervision groups and their visits, self-check campaigns, reviews.

Kept apart from ``tables`` for size; both share one ``Base`` and one migration history.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supervise.adapters.tables import Base


class SupervisionGroup(Base):
    """A supervision group (督办组), e.g. staff of the inspection office and the supervision offices."""

    __tablename__ = "supervision_groups"
    __table_args__ = (UniqueConstraint("round_id", "name", name="uq_supervision_groups_round_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class GroupMember(Base):
    __tablename__ = "group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("supervision_groups.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Visit(Base):
    """An on-site supervision visit (实地督办): planned for a day, then recorded (or cancelled)."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("round_id", "number", name="uq_visits_round_number"),
        CheckConstraint("state IN ('planned', 'done', 'cancelled')", name="state"),
        Index("ix_visits_state_planned_on", "state", "planned_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    number: Mapped[int]
    group_id: Mapped[int] = mapped_column(ForeignKey("supervision_groups.id"))
    planned_on: Mapped[dt.date]
    place: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)


class VisitUnit(Base):
    __tablename__ = "visit_units"
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class VisitProblem(Base):
    __tablename__ = "visit_problems"
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), primary_key=True)


class VisitFinding(Base):
    """What a visit found about one problem: progress confirmed, the problem sent back, or a rebound reopened."""

    __tablename__ = "visit_findings"
    __table_args__ = (
        UniqueConstraint("visit_id", "problem_id", name="uq_visit_findings_visit_problem"),
        CheckConstraint("outcome IN ('confirmed', 'sent_back', 'reopened')", name="outcome"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    recorded_at: Mapped[dt.datetime]


class SelfcheckCampaign(Base):
    """An item-by-item self-check against the ledger (逐项对账自查), due by a date."""

    __tablename__ = "selfcheck_campaigns"
    __table_args__ = (UniqueConstraint("round_id", "number", name="uq_selfcheck_campaigns_round_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date]
    started_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[dt.datetime]


class SelfcheckItem(Base):
    """One open problem a lead unit must confirm in a campaign, and its answer."""

    __tablename__ = "selfcheck_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "problem_id", name="uq_selfcheck_items_campaign_problem"),
        CheckConstraint("answer IS NULL OR answer IN ('on_track', 'done', 'blocked')", name="answer"),
        Index("ix_selfcheck_items_campaign_answer", "campaign_id", "answer"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("selfcheck_campaigns.id"))
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    answer: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[dt.datetime | None]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))


class Review(Base):
    """A dated snapshot of the ledger (盘点), kept so that progress can be charted over reviews."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_round_id_as_of", "round_id", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    as_of: Mapped[dt.date]
    taken_at: Mapped[dt.datetime]
    taken_by: Mapped[str] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the snapshot


supervision_groups = cast(Table, SupervisionGroup.__table__)
group_members = cast(Table, GroupMember.__table__)
visits = cast(Table, Visit.__table__)
visit_units = cast(Table, VisitUnit.__table__)
visit_problems = cast(Table, VisitProblem.__table__)
visit_findings = cast(Table, VisitFinding.__table__)
selfcheck_campaigns = cast(Table, SelfcheckCampaign.__table__)
selfcheck_items = cast(Table, SelfcheckItem.__table__)
reviews = cast(Table, Review.__table__)
