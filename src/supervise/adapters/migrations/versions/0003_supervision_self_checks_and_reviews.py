"""Supervision groups and visits, self-check campaigns, reviews.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 22:13:55.337235
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_reviews_round_id_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_round_id_as_of", ["round_id", "as_of"], unique=False)

    op.create_table(
        "supervision_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_supervision_groups_round_id_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_groups")),
        sa.UniqueConstraint("round_id", "name", name="uq_supervision_groups_round_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["supervision_groups.id"], name=op.f("fk_group_members_group_id_supervision_groups")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_group_members_person_id_people")),
        sa.PrimaryKeyConstraint("group_id", "person_id", name=op.f("pk_group_members")),
    )
    op.create_table(
        "selfcheck_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_selfcheck_campaigns_round_id_rounds")),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["people.id"], name=op.f("fk_selfcheck_campaigns_started_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_campaigns")),
        sa.UniqueConstraint("round_id", "number", name="uq_selfcheck_campaigns_round_number"),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('planned', 'done', 'cancelled')", name=op.f("ck_visits_state")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["supervision_groups.id"], name=op.f("fk_visits_group_id_supervision_groups")
        ),
        sa.ForeignKeyConstraint(["planned_by_id"], ["people.id"], name=op.f("fk_visits_planned_by_id_people")),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_visits_round_id_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("round_id", "number", name="uq_visits_round_number"),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index("ix_visits_state_planned_on", ["state", "planned_on"], unique=False)

    op.create_table(
        "selfcheck_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('on_track', 'done', 'blocked')", name=op.f("ck_selfcheck_items_answer")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["people.id"], name=op.f("fk_selfcheck_items_answered_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["selfcheck_campaigns.id"], name=op.f("fk_selfcheck_items_campaign_id_selfcheck_campaigns")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_selfcheck_items_event_id_events")),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], name=op.f("fk_selfcheck_items_problem_id_problems")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_selfcheck_items_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_items")),
        sa.UniqueConstraint("campaign_id", "problem_id", name="uq_selfcheck_items_campaign_problem"),
    )
    with op.batch_alter_table("selfcheck_items", schema=None) as batch_op:
        batch_op.create_index("ix_selfcheck_items_campaign_answer", ["campaign_id", "answer"], unique=False)

    op.create_table(
        "visit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('confirmed', 'sent_back', 'reopened')", name=op.f("ck_visit_findings_outcome")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_visit_findings_event_id_events")),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], name=op.f("fk_visit_findings_problem_id_problems")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["people.id"], name=op.f("fk_visit_findings_recorded_by_id_people")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_visit_findings_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_findings")),
        sa.UniqueConstraint("visit_id", "problem_id", name="uq_visit_findings_visit_problem"),
    )
    op.create_table(
        "visit_problems",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], name=op.f("fk_visit_problems_problem_id_problems")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_visit_problems_visit_id_visits")),
        sa.PrimaryKeyConstraint("visit_id", "problem_id", name=op.f("pk_visit_problems")),
    )
    op.create_table(
        "visit_units",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_visit_units_unit_id_units")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_visit_units_visit_id_visits")),
        sa.PrimaryKeyConstraint("visit_id", "unit_id", name=op.f("pk_visit_units")),
    )
    # Visit notices and self-check reminders are recorded as reminders too.
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_subject_type"), type_="check")
        batch_op.create_check_constraint("subject_type", "subject_type IN ('problem', 'measure', 'visit', 'selfcheck')")


def downgrade() -> None:
    op.execute(
        "DELETE FROM prompt_items WHERE reminder_id IN "
        "(SELECT id FROM reminders WHERE subject_type IN ('visit', 'selfcheck'))"
    )
    op.execute("DELETE FROM reminders WHERE subject_type IN ('visit', 'selfcheck')")
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_subject_type"), type_="check")
        batch_op.create_check_constraint("subject_type", "subject_type IN ('problem', 'measure')")
    op.drop_table("visit_units")
    op.drop_table("visit_problems")
    op.drop_table("visit_findings")
    with op.batch_alter_table("selfcheck_items", schema=None) as batch_op:
        batch_op.drop_index("ix_selfcheck_items_campaign_answer")

    op.drop_table("selfcheck_items")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_state_planned_on")

    op.drop_table("visits")
    op.drop_table("selfcheck_campaigns")
    op.drop_table("group_members")
    op.drop_table("supervision_groups")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_round_id_as_of")

    op.drop_table("reviews")
