"""Resolving what users type (round tokens, people's names, references) to rows."""

from __future__ import annotations

from sqlalchemy import Connection

from supervise.adapters import repository as repo
from supervise.adapters.repository import RoundRow
from supervise.domain.errors import Ambiguous, NotFound
from supervise.domain.refs import Ref
from supervise.domain.rules import Actor
from supervise.domain.text import Text


def resolve_round(conn: Connection, token: str | None) -> RoundRow:
    found = repo.find_rounds(conn, token)
    if len(found) == 1:
        return found[0]
    if not found:
        if token is None:
            raise NotFound(Text("还没有任何巡视轮次：请先导入整改方案", "no round yet: import a plan first"))
        raise NotFound(Text(f"没有轮次 {token}", f"no round {token}"), round=token)
    names = ", ".join(r.code or str(r.id) for r in found)
    raise Ambiguous(Text(f"有多个轮次（{names}），请写成 轮次:编号", f"several rounds ({names}): write ROUND:NUMBER"))


def require_actor(conn: Connection, name: str) -> Actor:
    actor = repo.load_actor(conn, name)
    if actor is None:
        raise no_such_person(name)
    return actor


def no_such_person(name: str) -> NotFound:
    return NotFound(Text(f"没有名为 {name} 的人员", f"no person named {name}"), actor=name)


def not_found(ref: Ref) -> NotFound:
    what = "举措" if ref.measure is not None else "问题"
    return NotFound(
        Text(f"没有{what} {ref}", f"no {'measure' if ref.measure is not None else 'problem'} {ref}"),
        ref=str(ref),
    )
