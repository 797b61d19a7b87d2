"""A rectification ledger (整改台账) table, read into the canonical plan.

Input is a sheet: rows of cells as an adapter read them from CSV or Excel, merged
cells already filled with their value. A ledger keeps one problem per row, or one
measure per row with the problem's cells merged (or repeated) beside it; both read
the same. Every defect names its row and its column header; a bad cell gets a
stand-in value so that validation goes on and reports everything else at once
(the file is rejected whole either way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from supervise.domain.deadlines import DeadlinePolicy, Reading, Unreadable, read_deadline, read_kind
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.ledger_cells import bad_cells
from supervise.domain.ledger_columns import (
    Header,
    HeaderProblem,
    column_letter,
    duplicate_columns,
    find_header,
    read_number,
    split_measures,
    split_names,
)
from supervise.domain.ledger_locate import Directory, Origin, SheetPlaces, cell_text, one_line
from supervise.domain.ledger_rows import Group, Row, group_rows
from supervise.domain.plan import Kind, ParsedPlan, validate_plan
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.text import Text

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sheet:
    """A table as read from a file: (row number, cells), merged cells filled in."""

    source: str
    rows: Sequence[Row]


@dataclass
class LedgerRead:
    """What reading a ledger found besides the plan."""

    rows: int = 0
    unused_columns: list[str] = field(default_factory=list)


def parse_ledger(
    sheet: Sheet,
    directory: Directory,
    policy: DeadlinePolicy,
    registry: WorkflowRegistry,
    progress: Progress | None = None,
) -> tuple[ParsedPlan, LedgerRead]:
    """The ledger as a validated plan for the directory's round; raises ``InputRejected`` naming every bad cell."""
    source = sheet.source
    try:
        header = find_header(sheet.rows)
    except HeaderProblem as exc:
        raise InputRejected(source, [Defect(source, "", "", exc.text)]) from None
    defects = [Defect(source, f"row {header.row}", label, text) for label, text in duplicate_columns(header)]
    places = SheetPlaces(source, header, directory)
    data_rows = sheet.rows[header.index + 1 :]
    # Reported first: where a cell holds an error value or an uncalculated formula, that is the defect to fix,
    # not the "empty number" or "unreadable deadline" that reading it would report at the same place.
    defects += _unusable_cells(data_rows, header, source)
    groups, row_defects = group_rows(data_rows, header, source)
    defects += row_defects
    reader = _ProblemReader(header, places, policy, registry, source, defects)
    problems = []
    for i, group in enumerate(groups):
        problems.append(reader.problem(group))
        if progress is not None and (i % 1000 == 999 or i == len(groups) - 1):
            progress(i + 1, len(groups))
    if not groups and not defects:
        defects.append(Defect(source, "", "", Text("表中没有问题行", "the table has no problem rows")))
    try:
        parsed = validate_plan({**directory.data(), "problems": problems}, places, source, registry, defects)
    except InputRejected as exc:
        raise InputRejected(source, sorted(exc.defects, key=_row_order)) from None
    return parsed, LedgerRead(sum(len(g.rows) for g in groups), header.unused)


def _unusable_cells(rows: Sequence[Row], header: Header, source: str) -> list[Defect]:
    """Error values and uncalculated formulas in the columns the reader uses (the light is derived, never read)."""
    used = [c for field, cols in header.columns.items() if field != "light" for c in cols]
    label = {c: f"{header.names[c]} ({column_letter(c)})" for c in used}
    return [Defect(source, f"row {row}", label[c], text) for row, c, text in bad_cells(rows, sorted(label))]


def _row_order(defect: Defect) -> tuple[int, int]:
    """Defects of the file itself first, then by row (ties keep their order: the sort is stable)."""
    location = defect.location
    return (1, int(location[4:])) if location.startswith("row ") and location[4:].isdigit() else (0, 0)


class _Cells:
    """The non-empty cells of a group's rows, by field, each as (row, value), read in one pass."""

    __slots__ = ("by_row",)

    def __init__(self, rows: Sequence[Row], columns: dict[str, list[int]]) -> None:
        self.by_row: list[tuple[int, dict[str, list[object]]]] = []
        for row, cells in rows:
            width, found = len(cells), {}
            for name, cols in columns.items():
                values = [v for c in cols if c < width and (v := cells[c]) is not None and _filled(v)]
                if values:
                    found[name] = values
            self.by_row.append((row, found))

    def all(self, name: str) -> list[tuple[int, object]]:
        return [(row, v) for row, found in self.by_row for v in found.get(name, ())]

    def first(self, name: str) -> tuple[int, str] | None:
        for row, found in self.by_row:
            if name in found:
                return row, cell_text(found[name][0])
        return None


def _filled(value: object) -> bool:
    return not isinstance(value, str) or bool(value.strip())


class _ProblemReader:
    """Turns one group of rows into the canonical problem mapping; cell defects go to ``defects``.

    Ledgers repeat the same deadline and unit cells on thousands of rows: each distinct
    cell is read once and remembered for the rest of the file.
    """

    def __init__(
        self,
        header: Header,
        places: SheetPlaces,
        policy: DeadlinePolicy,
        registry: WorkflowRegistry,
        source: str,
        defects: list[Defect],
    ) -> None:
        self.header, self.places, self.policy, self.source, self.defects = header, places, policy, source, defects
        self.problem_states = _state_names(registry, "problem")
        self.measure_states = _state_names(registry, "measure")
        self.cols = {name: cols for name, cols in header.columns.items() if name not in ("number", "title")}
        self.readings: dict[object, Reading | Text] = {}
        self.names: dict[str, list[tuple[str, bool]]] = {}

    def bad(self, row: int, name: str, text: Text) -> None:
        self.defects.append(Defect(self.source, f"row {row}", self.header.label(name), text))

    def split_names(self, value: object) -> list[tuple[str, bool]]:
        """The names in a cell, each with whether it is marked as the lead unit (牵头)."""
        text = cell_text(value)
        names = self.names.get(text)
        if names is None:
            names = self.names[text] = [_lead_marker(one_line(n)) for n in split_names(text)]
        return names

    def problem(self, group: Group) -> dict[str, Any]:
        origin = Origin(group.rows[0][0])
        self.places.add(origin)
        cells = _Cells(group.rows, self.cols)
        out: dict[str, Any] = {"number": group.number, "title": group.title or "—"}
        if not group.title:
            self.bad(origin.row, "title", Text("问题名称为空", "empty: every problem needs its title"))
        category = cells.first("category")
        if category or group.category:
            out["category"] = one_line(category[1]) if category else group.category
        self._people_and_units(cells, out, origin)
        self._state_and_rebounds(cells, out)
        progress = list(dict.fromkeys(cell_text(v) for _, v in cells.all("progress")))
        if progress:
            out["progress"] = "\n".join(progress)
        out["kind"], deadline = self._kind_and_deadline(cells, origin.row)
        if deadline is not None:
            out["deadline"] = deadline
        out["measures"] = self._measures(cells, origin)
        self._check_lengths(out, origin.row)
        return out

    def _people_and_units(self, cells: _Cells, out: dict[str, Any], origin: Origin) -> None:
        leaders = list(dict.fromkeys(n for _, v in cells.all("leader") for n, _ in self.split_names(v)))
        if len(leaders) > 1:
            names = "、".join(leaders)
            self.bad(
                origin.row,
                "leader",
                Text(f"每个问题只有一位责任领导（此处为 {names}）", f"one leader per problem (found {names})"),
            )
        if leaders:
            out["leader"] = leaders[0]
        lead = cells.first("lead_unit")
        lead_name = _lead_marker(one_line(lead[1]))[0] if lead else None
        units: dict[str, int] = {}
        for row, value in cells.all("units"):
            for name, is_lead in self.split_names(value):
                lead_name = lead_name or (name if is_lead else None)
                units.setdefault(name, row)
        if lead_name:
            out["lead_unit"] = lead_name
        out["units"] = [u for u in units if u != lead_name]
        origin.unit_rows = [units[u] for u in out["units"]]

    def _state_and_rebounds(self, cells: _Cells, out: dict[str, Any]) -> None:
        state = cells.first("state")
        if state is not None:
            name = self.problem_states.get(_key(state[1]))
            if name is None:
                self.bad(state[0], "state", _unknown_state(state[1], self.problem_states))
            else:
                out["state"] = name
        rebounds = cells.first("rebound_count")
        if rebounds is not None:
            count = read_number(rebounds[1]) if rebounds[1] != "0" else 0
            if count is None:
                self.bad(rebounds[0], "rebound_count", Text("应为次数（整数）", "expected a count (a whole number)"))
            else:
                out["rebound_count"] = count

    def _kind_and_deadline(self, cells: _Cells, first_row: int) -> tuple[Kind, dt.date | None]:
        readings, unreadable = self._readings(cells.all("deadline"), "deadline")
        kind: Kind | None = None
        written = cells.first("kind")
        if written is not None:
            kind = read_kind(written[1])
            if kind is None:
                self.bad(written[0], "kind", _KIND_EXPECTED)
        if kind is None and any(r.kind == "long_term" for r in readings):
            kind = "long_term"
        elif kind is None and readings and all(r.kind == "immediate" for r in readings):
            kind = "immediate"
        # Immediate cells without a date stand for the policy's date; the latest stage is the problem's deadline.
        dates = [r.date or self.policy.immediate_deadline for r in readings if r.date or r.kind == "immediate"]
        kind, fallback = self.policy.settle(Reading(kind, None))
        if dates:
            return kind, max(dates)
        if fallback is None and kind == "dated":
            if not unreadable:
                self.bad(first_row, "deadline", _NEEDS_DEADLINE)
            return kind, self.policy.base  # a stand-in: the defect is reported
        return kind, fallback

    def _readings(self, found: list[tuple[int, object]], name: str, report: bool = True) -> tuple[list[Reading], bool]:
        out, unreadable = [], False
        for row, value in found:
            reading = self.readings.get(value)
            if reading is None:
                try:
                    reading = read_deadline(value, self.policy.base)
                except Unreadable as exc:
                    reading = exc.text
                self.readings[value] = reading
            if isinstance(reading, Reading):
                out.append(reading)
            else:
                unreadable = True
                if report:
                    self.bad(row, name, reading)
        return out, unreadable

    def _measures(self, cells: _Cells, origin: Origin) -> list[dict[str, Any]]:
        per_row = len(cells.by_row) > 1
        unit_col = "measure_unit" if "measure_unit" in self.cols else ("units" if per_row else None)
        deadline_col = "measure_deadline" if "measure_deadline" in self.cols else ("deadline" if per_row else None)
        measures: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row, found in cells.by_row:
            if "measures" not in found:
                continue
            extra: dict[str, Any] = {}
            if unit_col is not None and unit_col in found:
                names = self.split_names(found[unit_col][0])
                if names:
                    extra["unit"] = names[0][0]
            if deadline_col is not None and deadline_col in found:
                # The problem's own deadline cells were read (and reported) above.
                readings, _ = self._readings([(row, found[deadline_col][0])], deadline_col, deadline_col != "deadline")
                date = self.policy.settle(readings[0])[1] if readings else None
                if date is not None:
                    extra["deadline"] = date
            if "measure_state" in found:
                state = cell_text(found["measure_state"][0])
                name = self.measure_states.get(_key(state))
                if name is None:
                    self.bad(row, "measure_state", _unknown_state(state, self.measure_states))
                else:
                    extra["state"] = name
            for value in found["measures"]:
                for text in split_measures(cell_text(value)):
                    if text not in seen:
                        seen.add(text)
                        measures.append({"text": text, **extra})
                        origin.measure_rows.append(row)
        return measures

    def _check_lengths(self, out: dict[str, Any], row: int) -> None:
        """The ledger's columns have limits (a leader's name, a unit's): say so here, not as a database error."""
        names = [("leader", out.get("leader"), 100), ("lead_unit", out.get("lead_unit"), 200)]
        names += [("category", out.get("category"), 200)] + [("units", u, 200) for u in out["units"]]
        names += [("measures", m.get("unit"), 200) for m in out["measures"]]
        for name, value, limit in names:
            if value is not None and len(value) > limit:
                self.bad(row, name, _too_long(value, limit))


def _lead_marker(name: str) -> tuple[str, bool]:
    """``区水务和湖泊局（牵头）`` names the lead unit inside a list of units."""
    for marker in ("（牵头）", "(牵头)", "【牵头】", "牵头：", "牵头:"):
        if marker in name:
            return name.replace(marker, "").strip(), True
    return name, False


def _too_long(value: str, limit: int) -> Text:
    return Text(
        f"过长：{len(value)} 个字符，最多 {limit} 个（{value[:20]}…）",
        f"too long: {len(value)} characters, at most {limit} ({value[:20]}…)",
    )


def _key(text: str) -> str:
    return "".join(text.split()).lower()


def _state_names(registry: WorkflowRegistry, workflow: str) -> dict[str, str]:
    """A state by its name or either label: ``closed``, ``已销号``, ``Closed``."""
    if workflow not in registry:
        return {}
    out: dict[str, str] = {}
    for name, spec in registry.get(workflow).states.items():
        for alias in (name, spec.zh, spec.en):
            out[_key(alias)] = name
    return out


def _unknown_state(value: str, known: dict[str, str]) -> Text:
    names = ", ".join(dict.fromkeys(known.values()))
    return Text(f"未知状态 {value}（可用：{names}，或其中文名称）", f"unknown state {value} (known: {names})")


_NEEDS_DEADLINE = Text(
    "限期整改的问题需要整改时限：请填写日期、立行立改 或 长期坚持，或使用 --default-deadline",
    "a dated problem needs a deadline: write a date, 立行立改 or 长期坚持 here, or pass --default-deadline",
)
_KIND_EXPECTED = Text(
    "应为 立行立改、限期整改 或 长期坚持（immediate、dated、long_term）",
    "expected 立行立改 (immediate), 限期整改 (dated) or 长期坚持 (long_term)",
)
