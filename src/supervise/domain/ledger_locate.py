"""Where a ledger's values came from, so that a defect names the row and the column header.

The canonical plan is validated by path (``("problems", 3, "leader")``); a sheet
locator maps such a path back to ``row 12`` and ``责任领导 (D)``. It keeps one small
record per problem, not one per cell, so that a 100,000-row ledger stays cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from supervise.domain.errors import Defect
from supervise.domain.ledger_columns import FIELDS, Header
from supervise.domain.plan import Locator, ParsedPlan, PersonSpec, RoundSpec
from supervise.domain.text import Text
from supervise.domain.yamlsource import dotted


@dataclass
class Origin:
    """The rows one problem came from: its first row, and the row of each measure and co-unit."""

    row: int
    measure_rows: list[int] = field(default_factory=list)
    unit_rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class OptionPlaces:
    """Defects in what the command line said (``--new-round``, ``--round``), named by their path."""

    source: str

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect:
        return Defect(self.source, "", dotted(path), problem)


@dataclass(frozen=True)
class Directory:
    """What a ledger does not carry: the round, and the units and people known beforehand (``--plan``)."""

    round: RoundSpec
    units: list[str]
    people: list[PersonSpec]
    locate: Locator

    @classmethod
    def empty(cls, round_: RoundSpec, source: str = "--round") -> Directory:
        return cls(round_, [], [], OptionPlaces(source))

    @classmethod
    def from_plan(cls, parsed: ParsedPlan) -> Directory:
        plan = parsed.plan
        return cls(plan.round, list(plan.units), list(plan.people), parsed.locate)

    def data(self) -> dict[str, Any]:
        return {
            "round": self.round.model_dump(exclude_none=True),
            "units": list(self.units),
            "people": [p.model_dump(exclude_none=True) for p in self.people],
        }


class SheetPlaces:
    """A ``Locator`` for a sheet: problems by their rows and headers, the rest by the directory's locator."""

    def __init__(self, source: str, header: Header, directory: Directory) -> None:
        self.source = source
        self.header = header
        self.directory = directory
        self.origins: list[Origin] = []

    def add(self, origin: Origin) -> None:
        self.origins.append(origin)

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect:
        path = tuple(path)
        if not path or path[0] != "problems":
            return self.directory.locate.defect(path, problem)
        if len(path) < 2 or not isinstance(path[1], int) or path[1] >= len(self.origins):
            return Defect(self.source, "", "", problem)
        origin, rest = self.origins[path[1]], path[2:]
        if not rest:
            return Defect(self.source, f"row {origin.row}", "", problem)
        name, index = str(rest[0]), rest[1] if len(rest) > 1 else None
        if name == "measures" and isinstance(index, int) and index < len(origin.measure_rows):
            column = self._measure_column(str(rest[2]) if len(rest) > 2 else "text")
            return Defect(self.source, f"row {origin.measure_rows[index]}", column, problem)
        if name == "units" and isinstance(index, int) and index < len(origin.unit_rows):
            return Defect(self.source, f"row {origin.unit_rows[index]}", self.header.label("units"), problem)
        label = self.header.label(name) if name in FIELDS else name
        return Defect(self.source, f"row {origin.row}", label, problem)

    def _measure_column(self, name: str) -> str:
        own = {"unit": "measure_unit", "deadline": "measure_deadline", "state": "measure_state"}.get(name)
        if own is not None and own in self.header.columns:
            return self.header.label(own)
        shared = {"text": "measures", "unit": "units", "deadline": "deadline", "state": "measure_state"}
        return self.header.label(shared.get(name, name))


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_SPACE = re.compile(r"\s+")


def cell_text(value: object) -> str:
    """A cell as text: Excel's 13.0 is 13, a date is ISO, surrounding space goes."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def one_line(text: str) -> str:
    """A name wrapped in its cell (Alt+Enter) read as one line: Chinese joins, other text gets a space."""
    if "\n" not in text and "\r" not in text:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    def join(run: re.Match[str]) -> str:
        """A run of space with a line break: nothing next to Chinese, a space elsewhere (each run once: linear)."""
        if "\n" not in run[0]:
            return run[0]
        start, end = run.span()
        beside = text[start - 1 : start] + text[end : end + 1]
        return "" if _CJK.search(beside) else run[0].replace("\n", " ")

    return _SPACE.sub(join, text).strip()
