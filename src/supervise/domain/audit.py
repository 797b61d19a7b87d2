"""The audit history as a hash chain.

Every event carries ``seq`` (its place in the chain), the hash of the event before it,
and its own hash over a canonical encoding of its content. A head record keeps the
last ``seq`` and hash, so that removing or appending at the end is caught too.
Verification walks the chain in ``seq`` order and names the first event that does
not fit, saying whether it was altered, inserted, removed or reordered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventContent:
    """The hashed content of one event. ``at`` is UTC."""

    seq: int
    subject_type: str
    subject_id: int
    subject_ref: str
    trigger: str
    from_state: str | None
    to_state: str | None
    actor_id: int | None
    actor_name: str
    at: dt.datetime
    note: str | None
    data: str  # canonical JSON text, see ``canonical_json``


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(content: EventContent, prev_hash: str) -> str:
    at = content.at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [
        content.seq,
        prev_hash,
        content.subject_type,
        content.subject_id,
        content.subject_ref,
        content.trigger,
        content.from_state,
        content.to_state,
        content.actor_id,
        content.actor_name,
        at,
        content.note,
        content.data,
    ]
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    id: int
    content: EventContent
    prev_hash: str
    hash: str


Kind = Literal["altered", "inserted", "removed", "reordered"]


@dataclass(frozen=True)
class Finding:
    kind: Kind
    event_id: int | None
    seq: int
    detail: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


def verify_chain(events: Iterable[StoredEvent], head_seq: int, head_hash: str) -> ChainReport:
    """Walk events in ``seq`` order (as given) and report the first one that breaks the chain.

    Only the previous two events and the next one are kept: memory stays flat however long the chain.
    """
    walk = _Walk()
    stream = iter(events)
    current = next(stream, None)
    while current is not None:
        following = next(stream, None)
        finding = walk.check(current, following)
        if finding is not None:
            return ChainReport(walk.checked, finding)
        walk.accept(current)
        current = following
    return ChainReport(
        walk.checked, _check_head(walk.expected_seq - 1, walk.prev_hash, head_seq, head_hash, walk.last_id)
    )


class _Walk:
    def __init__(self) -> None:
        self.prev_hash = self.before_prev_hash = GENESIS
        self.prev: StoredEvent | None = None
        self.expected_seq, self.last_id, self.checked = 1, 0, 0

    def accept(self, event: StoredEvent) -> None:
        self.before_prev_hash, self.prev_hash, self.prev = self.prev_hash, event.hash, event
        self.expected_seq, self.last_id = event.content.seq + 1, event.id
        self.checked += 1

    def check(self, event: StoredEvent, following: StoredEvent | None) -> Finding | None:
        seq = event.content.seq
        content_ok = event_hash(event.content, event.prev_hash) == event.hash
        if event.prev_hash == self.prev_hash:
            if not content_ok:
                return Finding(
                    "altered", event.id, seq, f"event {event.id} (seq {seq}): content does not match its hash"
                )
            if seq != self.expected_seq:
                return Finding(
                    "reordered", event.id, seq, f"event {event.id} has seq {seq}, expected {self.expected_seq}"
                )
            return None
        return self._broken_link(event, following, content_ok)

    def _broken_link(self, event: StoredEvent, following: StoredEvent | None, content_ok: bool) -> Finding:
        seq = event.content.seq
        if self.prev is not None and event.prev_hash == self.before_prev_hash:
            p = self.prev
            return Finding("inserted", p.id, p.content.seq, f"event {p.id} (seq {p.content.seq}) was not in the chain")
        if seq > self.expected_seq:
            gap = str(self.expected_seq) if seq == self.expected_seq + 1 else f"{self.expected_seq}–{seq - 1}"
            return Finding("removed", event.id, self.expected_seq, f"seq {gap} missing before event {event.id}")
        if event.id < self.last_id or (following is not None and following.id < event.id):
            return Finding("reordered", event.id, seq, f"event {event.id} (seq {seq}) is out of its place in the chain")
        if content_ok and self.prev is not None:
            p = self.prev
            return Finding(
                "altered",
                p.id,
                p.content.seq,
                f"event {p.id} (seq {p.content.seq}) was rewritten: the next event no longer links to it",
            )
        return Finding("altered", event.id, seq, f"event {event.id} (seq {seq}) does not link to the event before it")


def _check_head(last_seq: int, last_hash: str, head_seq: int, head_hash: str, last_id: int) -> Finding | None:
    if last_seq == head_seq and last_hash == head_hash:
        return None
    if last_seq < head_seq:
        return Finding(
            "removed",
            None,
            last_seq + 1,
            f"the chain ends at seq {last_seq} but the head records seq {head_seq}",
        )
    if last_seq > head_seq:
        return Finding(
            "inserted",
            last_id,
            last_seq,
            f"events after seq {head_seq} are not recorded in the head (last event {last_id})",
        )
    return Finding("altered", last_id, last_seq, f"the last event (seq {last_seq}) does not match the head's hash")


def link(contents: Sequence[EventContent], prev_hash: str) -> list[tuple[str, str]]:
    """(prev_hash, hash) for consecutive new events appended after ``prev_hash``."""
    out = []
    for content in contents:
        h = event_hash(content, prev_hash)
        out.append((prev_hash, h))
        prev_hash = h
    return out
