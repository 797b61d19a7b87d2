"""``supervise report`` end to end: formats to files and stdout, refusals and their exit codes."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.e2e.conftest import Supervise


@pytest.fixture
def cli(history, database_url):
    return Supervise({"SUPERVISE_DATABASE_URL": database_url, "SUPERVISE_LANG": "both"})


def test_it_writes_each_format(cli, tmp_path):
    for fmt, name in (("html", "r.html"), ("md", "r.md"), ("json", "r.json"), ("xlsx", "r.xlsx"), ("text", "r.txt")):
        path = tmp_path / name
        outcome = cli.ok("report", "--format", fmt, "-o", str(path), "--as-of", "2024-04-15")
        assert str(path) in outcome.stderr and path.stat().st_size > 500
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["problems"] == 6
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[1] == "整改台账"
    assert "区发改局" in (tmp_path / "r.txt").read_text(encoding="utf-8")


def test_json_and_the_notice_go_to_stdout(cli, tmp_path):
    assert cli.ok("report", "-f", "json", "--round", "R4").json["round"]["code"] == "R4"
    config = tmp_path / "notice.yaml"
    config.write_text("issuer: 武汉市江夏区委\nfeedback: {disclosure: {days: 21}, phone: '027-1'}\n", encoding="utf-8")
    outcome = cli.ok("report", "-f", "notice", "--notice-config", str(config), "--as-of", "2024-07-18")
    assert outcome.stdout.splitlines()[0] == "中共武汉市江夏区委关于十二届省委第四轮巡视整改进展情况的通报"
    assert "公开期限:2024年7月18日至8月8日。联系方式: 电话027-1。" in outcome.stdout


def test_the_notice_warns_when_the_feedback_channel_is_missing(cli):
    outcome = cli.ok("report", "-f", "notice")
    assert "no feedback channel" in outcome.stderr


def test_it_refuses_xlsx_without_a_file_and_an_unknown_round(cli, tmp_path):
    assert cli("report", "-f", "xlsx").code == 2
    assert cli("report", "--round", "R9").code == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("fax: 1\n", encoding="utf-8")
    outcome = cli("report", "-f", "notice", "--notice-config", str(bad))
    assert outcome.code == 3 and "line 1" in outcome.stderr
    assert cli("report", "-f", "notice", "--notice-config", str(tmp_path / "none.yaml")).code == 3
