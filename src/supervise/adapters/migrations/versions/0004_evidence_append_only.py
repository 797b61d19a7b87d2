"""Evidence rows are append-only, like the events that vouch for them.

An evidence row records a file (its description, location and SHA-256) attached by an
event; the event's hash covers the description and the SHA-256, so ``audit verify``
already names an edited row. The database now refuses the edit in the first place, as
it does for events: whoever wants to change evidence must first switch the guard off.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 05:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence "
    "BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END",
    "CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence "
    "BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END",
]
POSTGRESQL = [
    "CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'evidence is append-only'; END $$",
    "CREATE TRIGGER evidence_no_update BEFORE UPDATE OR DELETE ON evidence "
    "FOR EACH ROW EXECUTE FUNCTION evidence_append_only()",
]


def upgrade() -> None:
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER evidence_no_update ON evidence")
        op.execute("DROP FUNCTION evidence_append_only()")
    else:
        op.execute("DROP TRIGGER evidence_no_update")
        op.execute("DROP TRIGGER evidence_no_delete")
