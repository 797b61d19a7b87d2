"""Pure helpers of the reports: Chinese numerals and dates, the burndown's days, the templates in the wheel."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from supervise.domain.report import chinese as cn
from supervise.domain.report.history import pick_step, series_days
from tests.e2e.test_packaging import build_wheel


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (41, "四十一")])
def test_numbers_read_as_chinese_numerals(n, text):
    assert cn.numeral(n) == text


def test_ordinals_and_small_counts_read_as_the_seed_writes_them():
    assert cn.ordinal(2) == "二是"
    assert (cn.small_count(3), cn.small_count(19)) == ("三", "19")


def test_dates_leave_out_a_repeated_year():
    assert cn.span(dt.date(2023, 7, 17), dt.date(2023, 9, 15)) == "2023年7月17日至9月15日"
    assert cn.span(dt.date(2023, 12, 17), dt.date(2024, 1, 5)) == "2023年12月17日至2024年1月5日"
    assert cn.sentence("完成整改，") == "完成整改。"


def test_a_weekly_series_steps_on_sundays_and_ends_on_the_last_day():
    days = series_days(dt.date(2024, 1, 3), dt.date(2024, 1, 25), "week")
    assert days == [dt.date(2024, 1, d) for d in (3, 7, 14, 21, 25)]
    assert series_days(dt.date(2024, 1, 3), dt.date(2024, 1, 5), "day") == [dt.date(2024, 1, d) for d in (3, 4, 5)]
    assert pick_step(dt.date(2024, 1, 1), dt.date(2024, 3, 1)) == "day"
    assert pick_step(dt.date(2024, 1, 1), dt.date(2024, 9, 1)) == "week"


def test_the_report_templates_ship_in_the_wheel(tmp_path):
    names = zipfile.ZipFile(build_wheel(tmp_path)).namelist()
    for name in ("report.html.j2", "report.md.j2", "notice.txt.j2"):
        assert f"supervise/templates/reports/{name}" in names
