"""The one read a transition on a problem starts with: the round, the problem with its units, the actor.

A transition needs the round the reference names, the problem (with its co-responsible
units, for the rules' scope check) and the person firing it (with their roles). Read
one by one they are two round trips to PostgreSQL, each as dear as one of the writes;
here they come in one statement: the round-and-problem rows and the actor rows joined
by ``UNION ALL``, each side padding the other's columns with NULLs. A round row always
has its id; an actor row never does, which tells them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    Row,
    String,
    bindparam,
    cast,
    null,
    select,
    union_all,
)

from supervise.adapters.repository import PROBLEM_COLUMNS, ItemRow, RoundRow, problem_items
from supervise.adapters.tables import people, person_roles, problem_units, problems, rounds
from supervise.domain.rules import Actor


@dataclass(frozen=True)
class ProblemRead:
    rounds: list[RoundRow]  # the rounds the token names, by id; the item and actor only count when there is one
    item: ItemRow | None
    actor: Actor | None


def load_problem_and_actor(conn: Connection, token: str | None, number: int, actor: str) -> ProblemRead:
    """The rounds ``token`` names (as ``find_rounds``), problem ``number`` of the one it names, and ``actor``."""
    if token is None:
        rows = conn.execute(_ANY_ROUND, {"number": number, "actor": actor}).all()
    elif token.isdigit():
        params = {"number": number, "actor": actor, "token": token, "id": int(token)}
        rows = conn.execute(_BY_TOKEN_OR_ID, params).all()
    else:
        rows = conn.execute(_BY_TOKEN, {"number": number, "actor": actor, "token": token}).all()
    round_rows = [r for r in rows if r.r_id is not None]
    found = {r.r_id: RoundRow(r.r_id, r.r_name, r.r_code, r.r_timezone) for r in round_rows}
    items = problem_items(r for r in round_rows if r.id is not None) if len(found) == 1 else {}
    return ProblemRead(sorted(found.values(), key=lambda r: r.id), items.get(number), _actor(rows, actor))


def _actor(rows: Sequence[Row[Any]], name: str) -> Actor | None:
    mine = [r for r in rows if r.r_id is None]
    if not mine:
        return None
    return Actor(mine[0].a_id, name, frozenset(r.a_role for r in mine if r.a_role), mine[0].a_unit_id)


def _statement(where: ColumnElement[bool] | None) -> CompoundSelect[Any]:
    round_side = select(
        rounds.c.id.label("r_id"),
        rounds.c.name.label("r_name"),
        rounds.c.code.label("r_code"),
        rounds.c.timezone.label("r_timezone"),
        *PROBLEM_COLUMNS,
        problem_units.c.unit_id.label("co_unit_id"),
        cast(null(), Integer).label("a_id"),
        cast(null(), Integer).label("a_unit_id"),
        cast(null(), String).label("a_role"),
    ).select_from(
        rounds.outerjoin(
            problems, (problems.c.round_id == rounds.c.id) & (problems.c.number == bindparam("number"))
        ).outerjoin(problem_units, problem_units.c.problem_id == problems.c.id)
    )
    if where is not None:
        round_side = round_side.where(where)
    padding = [cast(null(), c.type).label(c.key) for c in list(round_side.selected_columns)[:-3]]
    actor_side = (
        select(*padding, people.c.id, people.c.unit_id, person_roles.c.role)
        .select_from(people.outerjoin(person_roles, person_roles.c.person_id == people.c.id))
        .where(people.c.name == bindparam("actor"))
    )
    return union_all(round_side, actor_side)


# Built once: a statement object keeps its cache key (see repository's note on hot-path statements).
_NAMED = (rounds.c.name == bindparam("token")) | (rounds.c.code == bindparam("token"))
_ANY_ROUND = _statement(None)
_BY_TOKEN = _statement(_NAMED)
_BY_TOKEN_OR_ID = _statement(_NAMED | (rounds.c.id == bindparam("id")))
