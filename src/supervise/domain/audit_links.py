"""What the audit chain vouches for beyond its own rows: the evidence an event recorded, and its round.

An event that attached evidence carries each file's description and SHA-256 in its hashed
data, so the evidence rows can be checked against it: the same files, attached by the
event's actor at the event's time, to the event's item. The round an event is filed under
is a column outside the hash (reports count events by it); it must be the round of the
event's subject. Plain functions over rows the service read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from supervise.domain.audit import Finding, Kind, StoredEvent


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    event_id: int | None
    problem_id: int
    measure_id: int | None
    measure_problem_id: int | None  # the problem of ``measure_id``, read with it
    description: str
    sha256: str
    person_id: int
    created_at: dt.datetime


def evidence_finding(event: StoredEvent, rows: list[EvidenceRow]) -> Finding | None:
    """Why the evidence rows filed under ``event`` are not what it recorded, or None if they are."""
    content = event.content
    where = f"evidence of event {event.id} (seq {content.seq})"
    recorded = Counter((e["description"], e["sha256"]) for e in _recorded(content.data))
    stored = Counter((r.description, r.sha256) for r in rows)
    if recorded != stored:
        if sum(stored.values()) < sum(recorded.values()):
            return Finding("removed", event.id, content.seq, f"{where}: a file it recorded is missing")
        kind: Kind = "inserted" if sum(stored.values()) > sum(recorded.values()) else "altered"
        return Finding(kind, event.id, content.seq, f"{where}: the files on record are not the ones it recorded")
    for r in rows:
        if r.person_id != content.actor_id or _utc(r.created_at) != _utc(content.at) or not _same_item(event, r):
            return Finding("altered", event.id, content.seq, f"{where}: row {r.id} names another person, time or item")
    return None


def _recorded(data: str) -> list[dict[str, str]]:
    try:
        value = json.loads(data).get("evidence", [])
    except (ValueError, AttributeError):
        return []
    return value if isinstance(value, list) else []


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _same_item(event: StoredEvent, row: EvidenceRow) -> bool:
    content = event.content
    if content.subject_type == "measure":
        return row.measure_id == content.subject_id and row.problem_id == row.measure_problem_id
    return row.measure_id is None and row.problem_id == content.subject_id


def round_finding(event_id: int, seq: int, filed: int | None, actual: int | None) -> Finding:
    return Finding(
        "altered",
        event_id,
        seq,
        f"event {event_id} (seq {seq}) is filed under round {filed}, but its subject belongs to round {actual}",
    )
