"""The hash chain: verification names the first event altered, inserted, removed or reordered."""

from __future__ import annotations

import dataclasses
import datetime as dt

from supervise.domain.audit import GENESIS, EventContent, StoredEvent, event_hash, link, verify_chain

T0 = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def chain(n: int) -> list[StoredEvent]:
    contents = [
        EventContent(
            i,
            "problem",
            13,
            "13",
            "start",
            "assigned",
            "in_progress",
            1,
            "李四",
            T0 + dt.timedelta(minutes=i),
            f"note {i}",
            '{"version":2}',
        )
        for i in range(1, n + 1)
    ]
    return [
        StoredEvent(i + 100, c, prev, h)
        for i, (c, (prev, h)) in enumerate(zip(contents, link(contents, GENESIS), strict=True))
    ]


def verify(events: list[StoredEvent], head: StoredEvent | None = None):
    head = head or events[-1]
    return verify_chain(events, head.content.seq, head.hash)


def test_an_untouched_chain_verifies():
    events = chain(5)
    report = verify(events)
    assert report.ok and report.checked == 5


def test_the_empty_chain_verifies_against_the_genesis_head():
    assert verify_chain([], 0, GENESIS).ok


def test_the_hash_covers_every_field():
    base = chain(1)[0].content
    original = event_hash(base, GENESIS)
    for field in dataclasses.fields(EventContent):
        value = getattr(base, field.name)
        changed = (
            value + dt.timedelta(microseconds=1)
            if isinstance(value, dt.datetime)
            else (value + 1 if isinstance(value, int) else f"{value}x")
        )
        assert event_hash(dataclasses.replace(base, **{field.name: changed}), GENESIS) != original, field.name


def test_the_hash_does_not_depend_on_the_time_zone_the_time_is_read_in():
    base = chain(1)[0].content
    shanghai = dataclasses.replace(base, at=base.at.astimezone(dt.timezone(dt.timedelta(hours=8))))
    assert event_hash(shanghai, GENESIS) == event_hash(base, GENESIS)


def test_it_names_an_altered_event():
    events = chain(5)
    events[2] = dataclasses.replace(events[2], content=dataclasses.replace(events[2].content, actor_name="王五"))
    finding = verify(events).finding
    assert (finding.kind, finding.event_id, finding.seq) == ("altered", 102, 3)


def test_it_names_an_event_altered_with_its_hash_recomputed():
    events = chain(5)
    forged = dataclasses.replace(events[2].content, note="改过的说明")
    events[2] = dataclasses.replace(events[2], content=forged, hash=event_hash(forged, events[2].prev_hash))
    finding = verify(events).finding
    assert (finding.kind, finding.event_id, finding.seq) == ("altered", 102, 3)


def test_it_names_a_removed_event():
    events = chain(5)
    del events[2]
    finding = verify(events).finding
    assert (finding.kind, finding.seq, finding.event_id) == ("removed", 3, 103)


def test_it_names_an_event_inserted_in_the_middle():
    # Inserting needs a free seq: the forger renumbers the later events, which also breaks their hashes.
    events = chain(4)
    fake = dataclasses.replace(events[1].content, seq=3, note="伪造")
    inserted = StoredEvent(150, fake, events[1].hash, event_hash(fake, events[1].hash))
    later = [dataclasses.replace(e, content=dataclasses.replace(e.content, seq=e.content.seq + 1)) for e in events[2:]]
    finding = verify([*events[:2], inserted, *later]).finding
    assert (finding.kind, finding.event_id, finding.seq) == ("inserted", 150, 3)


def test_it_names_events_whose_places_were_swapped():
    events = chain(5)
    # Swapping the seq numbers of two rows, as an UPDATE would; the walk is always in seq order.
    second = dataclasses.replace(events[1], content=dataclasses.replace(events[1].content, seq=3))
    third = dataclasses.replace(events[2], content=dataclasses.replace(events[2].content, seq=2))
    finding = verify([events[0], third, second, *events[3:]]).finding
    assert (finding.kind, finding.event_id) == ("reordered", 102)


def test_it_notices_the_last_event_removed_through_the_head():
    events = chain(5)
    report = verify_chain(events[:-1], 5, events[-1].hash)
    assert report.finding.kind == "removed" and report.finding.seq == 5


def test_it_notices_an_event_appended_behind_the_heads_back():
    events = chain(5)
    report = verify_chain(events, 4, events[3].hash)
    assert report.finding.kind == "inserted" and report.finding.event_id == 104
