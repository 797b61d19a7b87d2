"""Deadlines (整改时限) as people write them."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.deadlines import DeadlinePolicy, PolicyOptions, Reading, Unreadable, read_deadline, read_kind

FEEDBACK = dt.date(2023, 11, 7)
D = dt.date


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-06-30", Reading(None, D(2024, 6, 30))),
        ("2024/6/30", Reading(None, D(2024, 6, 30))),
        ("2024.6.30", Reading(None, D(2024, 6, 30))),
        ("2024.12", Reading(None, D(2024, 12, 31))),
        ("2024年6月30日", Reading(None, D(2024, 6, 30))),
        ("2024年6月", Reading(None, D(2024, 6, 30))),
        ("2024年6月底", Reading(None, D(2024, 6, 30))),
        ("2024年6月底前", Reading(None, D(2024, 6, 30))),
        ("2024年6月底(前)", Reading(None, D(2024, 6, 30))),
        ("2024年2月底前", Reading(None, D(2024, 2, 29))),
        ("2024年3月底前", Reading(None, D(2024, 3, 31))),
        ("２０２４年６月３０日前", Reading(None, D(2024, 6, 30))),
        ("2024年底前", Reading(None, D(2024, 12, 31))),
        ("2024年上半年", Reading(None, D(2024, 6, 30))),
        ("2024年第一季度", Reading(None, D(2024, 3, 31))),
        ("2024年3月中旬", Reading(None, D(2024, 3, 20))),
        ("2024-06-30 00:00:00", Reading(None, D(2024, 6, 30))),
        ("立行立改", Reading("immediate", None)),
        ("长期坚持", Reading("long_term", None)),
        ("立行立改并长期坚持", Reading("long_term", None)),
        ("2024年6月底前，长期坚持", Reading("long_term", D(2024, 6, 30))),
        ("立行立改（2023-12-07）", Reading("immediate", D(2023, 12, 7))),
        ("2023年12月底前完成排查，2024年6月底前全部整改", Reading(None, D(2024, 6, 30))),
        ("6月底前", Reading(None, D(2024, 6, 30))),
        ("12月底前", Reading(None, D(2023, 12, 31))),
        ("", Reading(None, None)),
    ],
)
def test_it_reads_each_written_form(written, expected):
    assert read_deadline(written, FEEDBACK) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.datetime(2024, 6, 30), D(2024, 6, 30)),  # an Excel date cell
        (D(2024, 6, 30), D(2024, 6, 30)),
        (45473, D(2024, 6, 30)),  # a date cell formatted as a number: Excel's serial day
        (2024.12, D(2024, 12, 31)),  # 2024.12 typed into a number cell
        (2024.5, D(2024, 5, 31)),
    ],
)
def test_it_reads_excel_cells_as_dates(cell, expected):
    assert read_deadline(cell, FEEDBACK) == Reading(None, expected)


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("下月", "expected a date"),
        ("尽快", "立行立改"),
        ("2024-02-30", "no such date: 2024-02-30"),
        ("2024.13", "no such month"),
        ("2204-06-30", "implausible year"),
        (2024.1, "ambiguous"),  # Excel turned 2024.10 into 2024.1
        (True, "expected a date"),
    ],
)
def test_it_refuses_what_it_cannot_read_and_says_what_was_expected(written, words):
    with pytest.raises(Unreadable) as caught:
        read_deadline(written, FEEDBACK)
    assert words in caught.value.text.en


def test_an_immediate_fix_is_due_when_the_rounds_policy_says():
    policy = PolicyOptions(immediate_days=15).for_round(FEEDBACK, today=D(2024, 5, 1))
    assert policy.settle(Reading("immediate", None)) == ("immediate", D(2023, 11, 22))
    assert policy.settle(Reading("immediate", D(2023, 12, 1))) == ("immediate", D(2023, 12, 1))
    without_feedback = PolicyOptions().for_round(None, today=D(2024, 5, 1))
    assert without_feedback.immediate_deadline == D(2024, 5, 31)


def test_a_dated_item_without_a_date_takes_the_default_if_there_is_one():
    assert DeadlinePolicy(FEEDBACK).settle(Reading(None, None)) == ("dated", None)
    assert DeadlinePolicy(FEEDBACK, default=D(2024, 6, 30)).settle(Reading(None, None)) == ("dated", D(2024, 6, 30))
    assert DeadlinePolicy(FEEDBACK).settle(Reading("long_term", None)) == ("long_term", None)


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("立行立改", "immediate"),
        ("即知即改", "immediate"),
        ("immediate", "immediate"),
        ("限期整改", "dated"),
        ("dated", "dated"),
        ("长期坚持", "long_term"),
        ("long-term", "long_term"),
        ("Long term", "long_term"),
        ("尽快", None),
    ],
)
def test_it_reads_a_kind_column(written, kind):
    assert read_kind(written) == kind
