"""Chinese numerals and dates as public documents write them."""

from __future__ import annotations

import datetime as dt

_DIGITS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九; other numbers stay in digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def ordinal(n: int) -> str:
    """The enumerator of the n-th point: 一是, 二是, … (as in 一是加强领导)."""
    return f"{numeral(n)}是"


def small_count(n: int) -> str:
    """Counts up to ten in words (三个督办组), larger ones in digits (19份)."""
    return numeral(n) if 0 < n <= 10 else str(n)


def date(day: dt.date, *, after: dt.date | None = None) -> str:
    """2023年7月17日; the year is left out when ``after`` is in the same year (…至9月15日)."""
    if after is not None and after.year == day.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def span(start: dt.date, end: dt.date) -> str:
    """2023年7月17日至9月15日."""
    return f"{date(start)}至{date(end, after=start)}"


def sentence(text: str) -> str:
    """The text ending in a full stop (。), whatever punctuation it ended in."""
    text = text.strip().rstrip("。.;；,，、")
    return f"{text}。" if text else ""
