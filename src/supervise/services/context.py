"""What every use case needs: the engine, the workflows, and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from supervise.adapters.db import WRITE
from supervise.domain.registry import WorkflowRegistry

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Context:
    engine: Engine
    workflows: WorkflowRegistry
    clock: Clock = field(default=utc_now)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends normally, rolled back otherwise."""
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            yield conn

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """One connection for several short write transactions in a row, each opened with ``conn.begin()``."""
        with self.engine.connect().execution_options(**{WRITE: True}) as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn
