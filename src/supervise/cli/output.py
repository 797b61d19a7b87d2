"""How the CLI speaks: exit codes, JSON for scripts, rich text for people, errors on stderr."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError as SQLProgrammingError

from supervise.adapters.db import safe_url
from supervise.domain.errors import (
    ActionRefused,
    Ambiguous,
    BulkRefused,
    Conflict,
    InputRejected,
    NotFound,
    SuperviseError,
    TransitionRefused,
)
from supervise.domain.refs import BadReference
from supervise.domain.text import Lang, Text
from supervise.settings import SettingsInvalid

# Exit codes, stable for scripts (documented in docs/cli.md).
OK = 0
REFUSED = 1  # a transition (or a bulk) was refused by the workflow rules
USAGE = 2  # bad command line (also what Click uses)
INPUT = 3  # an input file was rejected
CONFLICT = 4  # a concurrent change won; retry
NOT_FOUND = 5  # no such round, problem, person or workflow; or an ambiguous reference
AUDIT_FAILED = 6  # the audit chain does not verify
DATABASE = 7  # the database is unreachable or not initialised

EXIT_CODES: list[tuple[type[SuperviseError], int]] = [
    (InputRejected, INPUT),
    (TransitionRefused, REFUSED),
    (ActionRefused, REFUSED),
    (BulkRefused, REFUSED),
    (Conflict, CONFLICT),
    (NotFound, NOT_FOUND),
    (Ambiguous, NOT_FOUND),
    (BadReference, USAGE),
    (SettingsInvalid, USAGE),
]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class DatabaseProblem(SuperviseError):
    code = "database"


def exit_code_for(exc: SuperviseError) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return DATABASE if isinstance(exc, DatabaseProblem) else REFUSED


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=to_jsonable) + "\n")


def fail(exc: SuperviseError, as_json: bool, lang: Lang) -> NoReturn:
    if as_json:
        print_json(exc.as_dict())
    else:
        err.print(exc.render(lang), markup=False, highlight=False)
    raise typer.Exit(exit_code_for(exc))


@contextmanager
def reporting(as_json: bool, lang: Lang, database_url: str) -> Iterator[None]:
    """Turn every expected failure into a clear message and its exit code; never show a password."""
    try:
        yield
    except SuperviseError as exc:
        fail(exc, as_json, lang)
    except (OperationalError, SQLProgrammingError) as exc:
        shown = safe_url(database_url)
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        password = make_url(database_url).password
        if password:
            detail = detail.replace(str(password), "***")
        problem = DatabaseProblem(
            Text(
                f"数据库错误（{shown}）：{detail}。如尚未初始化，请先运行 supervise init",
                f"database error ({shown}): {detail}. If it is new, run supervise init first",
            ),
            detail=detail,
        )
        fail(problem, as_json, lang)
