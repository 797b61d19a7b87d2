"""Many rows into one table through the driver's ``executemany``, for the scan's bulk writes.

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
    """INSERT ``rows`` (tuples in ``columns`` order); ``skip_conflicts`` adds ON CONFLICT DO NOTHING."""
    if not rows:
        return
    dialect = conn.dialect
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        processor = table.c[name].type.bind_processor(dialect)
        if processor is not None:
            processors.append((i, processor))
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})" + (
        " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    )
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            converted.append(tuple(values))
        rows = converted
    conn.exec_driver_sql(sql, list(rows))
