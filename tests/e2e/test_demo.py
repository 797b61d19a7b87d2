"""`supervise demo`, the README's main command: the reference round replayed, summarised and reported."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from supervise.cli.main import app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    directory = tmp_path_factory.mktemp("demo") / "run"
    result = CliRunner().invoke(app, ["demo", "--dir", str(directory), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout), directory


def test_the_round_ends_as_the_public_report_tells_it(demo):
    summary, _ = demo
    states = summary["by_state"]
    assert sum(states.values()) == 41
    assert states["long_term"] == 7
    assert states["closed"] >= 25
    assert states["in_progress"] >= 1
    p41 = summary["problem_41"]
    assert p41["state"] == "in_progress"
    assert "14个审计问题已整改13个" in p41["progress"]


def test_the_office_work_happened_through_the_worker(demo):
    summary, directory = demo
    assert (summary["visits"], summary["send_backs"], summary["rebounds"]) == (6, 1, 1)
    assert (summary["selfchecks"], summary["reviews"]) == (2, 9)
    assert summary["prompts"] > 50
    assert summary["emails"] == {"sent": summary["prompts"]}
    emails = list((directory / "outbox").glob("*.eml"))
    assert len(emails) == summary["prompts"]
    assert any("工作提示" in e.read_text(encoding="utf-8", errors="replace") or e.stat().st_size for e in emails)


def test_the_notice_reads_like_the_published_one(demo):
    summary, _ = demo
    text = Path(summary["files"]["notice"]).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "中共武汉市江夏区委关于十二届省委第四轮巡视整改进展情况的通报"
    headings = [line for line in lines if re.fullmatch(r"\d+\.关于“.+”的问题。", line)]
    assert [int(h.split(".")[0]) for h in headings] == list(range(1, 42))
    assert text.count("整改情况:") == 41
    assert "一、巡视整改组织领导情况" in lines and "三、下一步工作打算" in lines
    assert "实地专项督办6次" in text


def test_the_excel_ledger_and_the_html_report_are_written(demo):
    summary, _ = demo
    book = openpyxl.load_workbook(summary["files"]["ledger"])
    ledger = next(
        ws for ws in book.worksheets if any(c.value == "序号" for row in ws.iter_rows(max_row=5) for c in row)
    )
    numbers = [row[0] for row in ledger.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert numbers == list(range(1, 42))
    html = Path(summary["files"]["report"]).read_text(encoding="utf-8")
    assert html.count("<svg") >= 2
    assert "<script" not in html


def test_the_history_of_the_replayed_round_verifies(demo):
    _, directory = demo
    result = CliRunner().invoke(
        app, ["audit", "verify", "--json"], env={"SUPERVISE_DATABASE_URL": f"sqlite:///{directory / 'supervise.db'}"}
    )
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["checked"] > 500


def test_it_refuses_to_empty_a_directory_it_did_not_make(tmp_path):
    (tmp_path / "thesis.docx").write_text("irreplaceable", encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "neither empty nor a demo directory" in result.stderr
    assert (tmp_path / "thesis.docx").exists()
