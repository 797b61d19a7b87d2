"""Deadlines (整改时限) as people write them, read into a kind and a date.

A ledger's deadline cell says two things at once: what kind of fix it is and when it
is due. ``2024年6月底前`` is a dated fix due 2024-06-30; ``立行立改`` is an immediate fix
whose date comes from the round's policy; ``长期坚持`` is a long-term item with no date
for this phase; ``2024年6月底前并长期坚持`` is long-term with a first-phase deadline.

Pure functions: the reference date (for ``6月底`` without a year, and for immediate
fixes) is given by the caller, never read from a clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from supervise.domain.plan import Kind
from supervise.domain.text import Text

# The date forms, tried on NFKC-normalised text (full-width digits and punctuation become ASCII).
_YMD = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)"
)
_COMPACT = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_YM = re.compile(r"(?<!\d)(\d{4})\s*(?:[-/.]\s*(\d{1,2})(?![\d.\-/])|年\s*(\d{1,2})\s*月\s*(底|末|份|上旬|中旬|下旬)?)")
_YEAR_PART = re.compile(r"(?<!\d)(\d{4})\s*年\s*(底|末|年底|年末|上半年|下半年|内|第?([一二三四1-4])季度)?")
_MONTH_ONLY = re.compile(r"(?<![\d年./-])(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末|上旬|中旬|下旬))?")

IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "马上就改", "immediate", "at once")
LONG_TERM_WORDS = (
    "长期坚持",
    "长期整改",
    "长期推进",
    "持续推进",
    "持续整改",
    "常态化",
    "long-term",
    "long term",
    "ongoing",
)
EXPECTED = Text(
    "应为日期（如 2024-06-30、2024/6/30、2024.6.30、2024.12、2024年6月30日、2024年6月底前）、立行立改 或 长期坚持",
    "expected a date (e.g. 2024-06-30, 2024/6/30, 2024.6.30, 2024.12, 2024年6月30日, 2024年6月底前), "
    "立行立改 (immediate) or 长期坚持 (long-term)",
)
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Excel's day 0 in the 1900 date system (which counts a 29 February 1900 that never was).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class Unreadable(ValueError):
    """A deadline that cannot be read; ``text`` says what was expected."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class Reading:
    """What a deadline cell says: a kind if it names one, and a date if it gives one."""

    kind: Kind | None
    date: dt.date | None


@dataclass(frozen=True)
class DeadlinePolicy:
    """How a round fills in dates a ledger leaves open.

    ``base`` is the round's feedback date (or the import date when the round has none):
    an immediate fix (立行立改) is due ``immediate_days`` after it, and a month written
    without a year (``6月底``) is the first such month on or after it. ``default`` is
    the deadline of a dated item that gives none (``--default-deadline``).
    """

    base: dt.date
    immediate_days: int = 30
    default: dt.date | None = None

    @property
    def immediate_deadline(self) -> dt.date:
        return self.base + dt.timedelta(days=self.immediate_days)

    def settle(self, reading: Reading) -> tuple[Kind, dt.date | None]:
        """The item's kind and deadline: a plain date is dated; immediate without a date gets the policy's."""
        kind: Kind = reading.kind or "dated"
        date = reading.date
        if date is None and kind == "immediate":
            date = self.immediate_deadline
        if date is None and kind == "dated":
            date = self.default
        return kind, date


@dataclass(frozen=True)
class PolicyOptions:
    """What the office chose on the command line; the round supplies the rest."""

    immediate_days: int = 30
    default: dt.date | None = None

    def for_round(self, feedback_date: dt.date | None, today: dt.date) -> DeadlinePolicy:
        return DeadlinePolicy(feedback_date or today, self.immediate_days, self.default)


def read_deadline(value: object, reference: dt.date) -> Reading:
    """Read one deadline cell: text, an Excel date, or an Excel serial number. Empty gives an empty reading."""
    if value is None:
        return Reading(None, None)
    if isinstance(value, dt.date):
        # A date cell too can be a typo, or Excel's day 0 (1900-01-00) left by an empty formula.
        date = value.date() if isinstance(value, dt.datetime) else value
        _check_year(date.year, date.isoformat())
        return Reading(None, date)
    if isinstance(value, bool):
        raise Unreadable(EXPECTED)
    if isinstance(value, int | float):
        return Reading(None, _from_number(value))
    return read_deadline_text(str(value), reference)


def read_deadline_text(raw: str, reference: dt.date) -> Reading:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if not text:
        return Reading(None, None)
    kind = _kind_named(text)
    dates = _dates_in(text, reference)
    if kind is None and not dates:
        raise Unreadable(EXPECTED)
    # Staged deadlines ("2023年12月底前完成排查，2024年6月底前全部整改"): the item is due at the last stage.
    return Reading(kind, max(dates) if dates else None)


def _kind_named(text: str) -> Kind | None:
    long_term = any(w in text for w in LONG_TERM_WORDS)
    immediate = any(w in text for w in IMMEDIATE_WORDS)
    # "立行立改并长期坚持": fixed at once, then kept under review: long-term, with the immediate date.
    if long_term:
        return "long_term"
    return "immediate" if immediate else None


def _dates_in(text: str, reference: dt.date) -> list[dt.date]:
    found: list[dt.date] = []
    spans: list[tuple[int, int]] = []

    def take(match: re.Match[str], date: dt.date) -> None:
        found.append(date)
        spans.append(match.span())

    def free(match: re.Match[str]) -> bool:
        start, end = match.span()
        return all(end <= s or start >= e for s, e in spans)

    for m in _YMD.finditer(text):
        year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
        take(m, _date(year, month, day, m[0]))
    for m in _COMPACT.finditer(text):
        if free(m):
            take(m, _date(int(m[1]), int(m[2]), int(m[3]), m[0]))
    for m in _YM.finditer(text):
        if free(m):
            take(m, _in_month(int(m[1]), int(m[2] or m[3]), m[4], m[0]))
    for m in _YEAR_PART.finditer(text):
        if free(m):
            take(m, _in_year(int(m[1]), m[2], m[3]))
    for m in _MONTH_ONLY.finditer(text):
        if free(m):
            take(m, _next_month_date(m, reference))
    return found


def _date(year: int, month: int, day: int, written: str) -> dt.date:
    _check_year(year, written)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Unreadable(Text(f"没有这一天：{written}", f"no such date: {written}")) from None


def _in_month(year: int, month: int, part: str | None, written: str) -> dt.date:
    _check_year(year, written)
    if not 1 <= month <= 12:
        raise Unreadable(Text(f"没有这个月份：{written}", f"no such month: {written}"))
    day = {"上旬": 10, "中旬": 20}.get(part or "", calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _check_year(year: int, written: str) -> None:
    # A year far from now is a typo (2204 for 2024), not a plan.
    if not 2000 <= year <= 2099:
        raise Unreadable(Text(f"年份不合理：{written}", f"implausible year: {written}"))


def _in_year(year: int, part: str | None, quarter: str | None) -> dt.date:
    _check_year(year, str(year))
    if quarter:
        return _in_month(year, _QUARTER[quarter] * 3, None, "")
    if part == "上半年":
        return dt.date(year, 6, 30)
    return dt.date(year, 12, 31)


def _next_month_date(m: re.Match[str], reference: dt.date) -> dt.date:
    """``6月底`` without a year: the first such date on or after the reference date."""
    month = int(m[1])
    for year in (reference.year, reference.year + 1):
        date = _date(year, month, int(m[2]), m[0]) if m[2] else _in_month(year, month, m[3], m[0])
        if date >= reference:
            return date
    return date


def _from_number(value: float) -> dt.date:
    """An Excel number: a serial date (a date cell formatted as a number), or 2024.12 typed as a number."""
    if 20000 <= value <= 80000 and float(value).is_integer():
        date = _EXCEL_EPOCH + dt.timedelta(days=int(value))
        _check_year(date.year, f"{int(value)} ({date.isoformat()})")
        return date
    written = repr(float(value))
    match = re.fullmatch(r"(\d{4})\.(\d{1,2})", written)
    if match and len(match[2]) == 1 and match[2] == "1":
        # 2024.10 and 2024.1 are the same number: Excel dropped the zero, so the month is unknown.
        raise Unreadable(
            Text(
                f"{written} 有歧义（2024.1 还是 2024.10？）：请写成文本或日期",
                f"{written} is ambiguous (January or October?): write it as text or a date",
            )
        )
    if match:
        return _in_month(int(match[1]), int(match[2]), None, written)
    raise Unreadable(EXPECTED)


_KIND_WORDS: dict[str, Kind] = {
    "立行立改": "immediate",
    "即知即改": "immediate",
    "立即整改": "immediate",
    "immediate": "immediate",
    "限期整改": "dated",
    "按期整改": "dated",
    "限期": "dated",
    "dated": "dated",
    "长期坚持": "long_term",
    "长期整改": "long_term",
    "长期": "long_term",
    "long_term": "long_term",
    "long-term": "long_term",
    "longterm": "long_term",
}


def read_kind(raw: str) -> Kind | None:
    """A kind column (整改类型): 立行立改 / 限期整改 / 长期坚持, or the English names; None if neither."""
    text = "".join(unicodedata.normalize("NFKC", raw).split()).lower()
    if text in _KIND_WORDS:
        return _KIND_WORDS[text]
    return _kind_named(text)
