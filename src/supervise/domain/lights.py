"""Warning lights (红黄绿灯): green on track, yellow close to the deadline or behind, red overdue."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from supervise.domain.calendar import WorkCalendar
from supervise.domain.text import Text

Light = Literal["green", "yellow", "red"]

LIGHT_LABELS: dict[str, Text] = {
    "green": Text("绿灯", "green"),
    "yellow": Text("黄灯", "yellow"),
    "red": Text("红灯", "red"),
}

# A yellow window of n working days never spans more than 2n + 14 calendar days (weekends plus
# the longest holiday); a deadline further away is green without asking the calendar, so that
# a far deadline in a year the calendar does not know yet still gets its light.
_SLACK_DAYS = 14


def light(
    deadline: dt.date | None,
    today: dt.date,
    cal: WorkCalendar,
    yellow_within: int,
    *,
    behind: bool = False,
) -> Light | None:
    """The light of an item whose state tracks its deadline; None when it has no deadline and is not behind.

    ``behind`` says that some of its measures are overdue: the item cannot be green then.
    """
    if deadline is not None and deadline < today:
        return "red"
    if behind:
        return "yellow"
    if deadline is None:
        return None
    if (deadline - today).days > 2 * yellow_within + _SLACK_DAYS:
        return "green"
    return "yellow" if cal.workdays_until(today, deadline) <= yellow_within else "green"
