"""Who is who for reminders: the office, supervisors, each unit's contacts, and their addresses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from supervise.adapters.tables import people, person_roles, problem_units
from supervise.domain.text import Text

AUDIENCE_LABELS: dict[str, Text] = {
    "lead_unit": Text("牵头单位联系人", "contact of the lead unit"),
    "units": Text("责任单位联系人", "contact of a co-responsible unit"),
    "leader": Text("责任领导", "the responsible leader"),
    "office": Text("整改办", "the rectification office"),
    "supervisor": Text("督办组", "a supervision group"),
}


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None


@dataclass
class Directory:
    people: dict[int, Person] = field(default_factory=dict)
    office: tuple[int, ...] = ()
    supervisors: tuple[int, ...] = ()
    contacts: dict[int, tuple[int, ...]] = field(default_factory=dict)  # unit id -> people with role "unit"

    def unit_contacts(self, unit_ids: Iterable[int | None]) -> list[int]:
        return [p for u in unit_ids if u is not None for p in self.contacts.get(u, ())]


def load_directory(conn: Connection) -> Directory:
    """Everyone with a role: an office has hundreds of people at most, read once per scan."""
    d = Directory()
    office: list[int] = []
    supervisors: list[int] = []
    contacts: dict[int, list[int]] = {}
    query = select(people.c.id, people.c.name, people.c.email, people.c.unit_id, person_roles.c.role).join(
        person_roles, person_roles.c.person_id == people.c.id
    )
    for row in conn.execute(query.order_by(people.c.id)):
        d.people[row.id] = Person(row.id, row.name, row.email)
        if row.role == "office":
            office.append(row.id)
        elif row.role == "supervisor":
            supervisors.append(row.id)
        elif row.role == "unit" and row.unit_id is not None:
            contacts.setdefault(row.unit_id, []).append(row.id)
        elif row.role == "leader":
            pass  # leaders are named on each problem
    d.office, d.supervisors = tuple(office), tuple(supervisors)
    d.contacts = {u: tuple(ps) for u, ps in contacts.items()}
    return d


def load_leaders(conn: Connection, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(people.c.id, people.c.name, people.c.email).where(people.c.id.in_(wanted)))
    return {r.id: Person(r.id, r.name, r.email) for r in rows}


def co_units(conn: Connection, problem_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    wanted = sorted(set(problem_ids))
    out: dict[int, list[int]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(problem_units.c.problem_id, problem_units.c.unit_id).where(problem_units.c.problem_id.in_(chunk))
        for pid, uid in conn.execute(query):
            out.setdefault(pid, []).append(uid)
    return {k: tuple(v) for k, v in out.items()}


def resolve(
    directory: Directory,
    audiences: Iterable[str],
    unit_id: int | None,
    co_unit_ids: Iterable[int],
    leader_id: int | None,
) -> list[tuple[int, str]]:
    """(person, audience) for each audience of a firing, in the ladder's order; may repeat a person."""
    found: list[tuple[int, str]] = []
    for audience in audiences:
        if audience == "lead_unit":
            found += [(p, audience) for p in directory.unit_contacts([unit_id])]
        elif audience == "units":
            found += [(p, audience) for p in directory.unit_contacts(co_unit_ids)]
        elif audience == "leader" and leader_id is not None:
            found.append((leader_id, audience))
        elif audience == "office":
            found += [(p, audience) for p in directory.office]
        elif audience == "supervisor":
            found += [(p, audience) for p in directory.supervisors]
    return found
