"""Progress notes: kept on the problem, each one an audit event, reported only by those responsible."""

from __future__ import annotations

import pytest

from supervise.domain.errors import TransitionRefused
from supervise.services import audit
from supervise.services.progress import ReportProgress, report_progress
from supervise.services.queries import show_problem


def test_the_latest_note_is_kept_and_every_note_is_in_the_history(walkthrough):
    report_progress(walkthrough, ReportProgress("13", "李四", "完成新河险情治理工程"))
    done = report_progress(walkthrough, ReportProgress("13", "王五", "1051米脱坡已完成治理"))
    view = show_problem(walkthrough, "13")
    assert (view["progress"], view["state"], view["version"], done.version) == (
        "1051米脱坡已完成治理",
        "assigned",
        3,
        3,
    )
    assert [(e["trigger"], e["actor"], e["note"]) for e in view["events"][1:]] == [
        ("progress", "李四", "完成新河险情治理工程"),
        ("progress", "王五", "1051米脱坡已完成治理"),
    ]
    assert audit.verify(walkthrough).ok


@pytest.mark.parametrize(("actor", "text", "code"), [("赵六", "已督办", "role"), ("李四", "  ", "note")])
def test_it_refuses_notes_from_others_and_empty_notes(walkthrough, actor, text, code):
    with pytest.raises(TransitionRefused) as caught:
        report_progress(walkthrough, ReportProgress("13", actor, text))
    assert [m["code"] for m in caught.value.details["missing"]] == [code]
    assert show_problem(walkthrough, "13")["progress"] is None
