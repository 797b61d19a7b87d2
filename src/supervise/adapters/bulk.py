"""Many rows into one table through the driver's ``executemany``: the scan's and the import's bulk writes.

SQLAlchemy's executemany builds a parameter dict per row through its generic path (~3 µs
a row, more than SQLite needs to store it); here each column's bind processor (dates as
text on SQLite, UTC for ``UTCDateTime``) is looked up once and applied to plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_conflicts: bool = False,
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order); ``skip_conflicts`` adds ON CONFLICT DO NOTHING.

    Each value goes through its column's bind processor once per distinct value: a ledger's dates
    and a scan's timestamps repeat, and converting them was most of the write time.
    """
    if not rows:
        return
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})" + (" ON CONFLICT DO NOTHING" if skip_conflicts else "")
    )
    converters = [
        (i, _memoised(process))
        for i, name in enumerate(columns)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if converters:
        rows = [_converted(row, converters) for row in rows]
    conn.exec_driver_sql(sql, [tuple(row) for row in rows])


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    values = list(row)
    for i, convert in converters:
        values[i] = convert(values[i])
    return values


def _memoised(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {None: None}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            result = seen[value] = process(value)
            return result
        except TypeError:  # an unhashable value: convert it every time
            return process(value)

    return convert
