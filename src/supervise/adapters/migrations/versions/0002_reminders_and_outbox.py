"""Reminders and the outbox: scans, recorded reminders, work prompts, outgoing mail, calendar overrides.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "reminder_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("now", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("scanned_from", UTC, nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("prompts", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_runs")),
    )
    op.create_table(
        "reminder_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_prompt_number", sa.Integer(), nullable=False),
        sa.Column("scanned_until", UTC, nullable=True),
        sa.Column("needs_full", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reminder_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_state")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rung", sa.String(length=40), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("light", sa.String(length=10), nullable=True),
        sa.Column("expected_zh", sa.Text(), nullable=False),
        sa.Column("expected_en", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.CheckConstraint("subject_type IN ('problem', 'measure')", name=op.f("ck_reminders_subject_type")),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_reminders_round_id_rounds")),
        sa.ForeignKeyConstraint(["run_id"], ["reminder_runs.id"], name=op.f("fk_reminders_run_id_reminder_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("subject_type", "subject_id", "rung", "anchor", "occurrence", name="uq_reminders_key"),
    )
    op.create_index("ix_reminders_run_id", "reminders", ["run_id"])
    op.create_table(
        "work_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_work_prompts_person_id_people")),
        sa.ForeignKeyConstraint(["run_id"], ["reminder_runs.id"], name=op.f("fk_work_prompts_run_id_reminder_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_prompts")),
        sa.UniqueConstraint("number", name=op.f("uq_work_prompts_number")),
    )
    op.create_index("ix_work_prompts_person_id", "work_prompts", ["person_id"])
    op.create_index("ix_work_prompts_run_id", "work_prompts", ["run_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("to_name", sa.String(length=100), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_outbox_state")),
        sa.ForeignKeyConstraint(["prompt_id"], ["work_prompts.id"], name=op.f("fk_outbox_prompt_id_work_prompts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("prompt_id", name=op.f("uq_outbox_prompt_id")),
    )
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])
    op.create_table(
        "prompt_items",
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["work_prompts.id"], name=op.f("fk_prompt_items_prompt_id_work_prompts")
        ),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminders.id"], name=op.f("fk_prompt_items_reminder_id_reminders")),
        sa.PrimaryKeyConstraint("prompt_id", "reminder_id", name=op.f("pk_prompt_items")),
    )
    op.create_index("ix_prompt_items_reminder_id", "prompt_items", ["reminder_id"])
    # The scans' indexes on the ledger's item tables.
    op.create_index("ix_measures_deadline_state", "measures", ["deadline", "state"])
    op.create_index("ix_measures_updated_at", "measures", ["updated_at"])
    op.create_index("ix_problems_deadline_state", "problems", ["deadline", "state"])
    op.create_index("ix_problems_updated_at", "problems", ["updated_at"])
    op.execute("INSERT INTO reminder_state (id, last_prompt_number, needs_full) VALUES (1, 0, true)")


def downgrade() -> None:
    op.drop_index("ix_problems_updated_at", "problems")
    op.drop_index("ix_problems_deadline_state", "problems")
    op.drop_index("ix_measures_updated_at", "measures")
    op.drop_index("ix_measures_deadline_state", "measures")
    op.drop_table("prompt_items")
    op.drop_table("outbox")
    op.drop_table("work_prompts")
    op.drop_table("reminders")
    op.drop_table("reminder_state")
    op.drop_table("reminder_runs")
    op.drop_table("calendar_years")
    op.drop_table("calendar_days")
