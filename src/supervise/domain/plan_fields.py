"""The values a plan may hold, constrained as the ledger stores them, so that bad input is a defect here.

Each limit is the database's own (a unit's name is 200 characters, a person's 100, a
problem number a 32-bit integer): a value past it is named at its line or
cell, on SQLite as on PostgreSQL, instead of surfacing as a database error on one of
them. Text may not carry control characters (a NUL byte cannot even be stored by
PostgreSQL; the others are debris of binary files and copy-paste); names are one line.
Dates must be real dates in a plausible year, written as dates: YAML's ``20240630`` is a
number, which pydantic would otherwise read as seconds since 1970.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

# Tab, line feed and carriage return are text; every other C0 control character, DEL and the
# C1 controls are not.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("[\r\n\u2028\u2029]")
FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_NUMBER = 2**31 - 1  # the ledger's number column is a 32-bit integer
MAX_REBOUNDS = 10_000


def _no_control(value: str) -> str:
    found = _CONTROL.search(value)
    if found is not None:
        raise PydanticCustomError(
            "control_character",
            "contains the control character U+{code} at position {position}",
            {"code": f"{ord(found[0]):04X}", "position": found.start() + 1},
        )
    return value


def _one_line(value: str) -> str:
    _no_control(value)
    found = _LINE_BREAK.search(value)
    if found is not None:
        raise PydanticCustomError(
            "line_break", "a name is one line: line break at position {position}", {"position": found.start() + 1}
        )
    return value


def _written_date(value: Any) -> Any:
    """A date, or text for pydantic to parse; a number or a boolean is refused rather than read as a timestamp."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError(
            "date_type", "expected a date such as 2024-06-30, found the number {value}", {"value": value}
        )
    return value


def _plausible(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "implausible_year",
            "implausible year {year} (expected {first}–{last})",
            {"year": value.year, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):  # YAML reads yes/no/on/off as booleans, which pydantic would take as 1 and 0
        found = {"value": str(value).lower()}
        raise PydanticCustomError("number_type", "expected a whole number, found {value}", found)
    return value


Name100 = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)]
Name200 = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
TextBlock = Annotated[str, Field(min_length=1), AfterValidator(_no_control)]
Email = Annotated[str, Field(max_length=254)]
PlanDate = Annotated[dt.date, BeforeValidator(_written_date), AfterValidator(_plausible)]
Number = Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=MAX_NUMBER)]
Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=MAX_REBOUNDS)]
StateName = Annotated[str, Field(max_length=40)]
