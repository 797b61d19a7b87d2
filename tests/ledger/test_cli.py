"""``supervise import`` and ``supervise export`` as an office member types them."""

from __future__ import annotations

import yaml

from tests.ledger.conftest import HEADERS, SEED_ROUND, write_csv

ROWS = [HEADERS, [1, "问题甲", "措施一；措施二", "区领导甲", "区发改局", "区经信局", "2024年6月底前", None]]
NEW = ["--new-round", "十二届省委第四轮巡视", "--code", "R4", "--feedback-date", "2023-11-07"]


def test_a_csv_ledger_imports_into_a_new_round_and_says_what_it_created(cli, tmp_path):
    path = write_csv(tmp_path / "台账.csv", ROWS)
    shown = cli.ok("import", str(path), *NEW)
    assert "已导入 / imported: 十二届省委第四轮巡视 — 1 个问题 problems, 2 项举措 measures" in shown.stdout
    assert "新建人员 / new people (1): 区领导甲" in shown.stdout
    assert "新建单位 / new units (2): 区发改局、区经信局" in shown.stdout
    [row] = cli.ok("problems", "--json").json
    assert (row["deadline"], row["lead_unit"]) == ("2024-06-30", "区发改局")


def test_a_refused_ledger_exits_3_and_names_each_row_and_column(cli, tmp_path):
    bad = [HEADERS, ["x", "问题甲", "措施", "王五", None, None, "下月", None]]
    outcome = cli("import", str(write_csv(tmp_path / "台账.csv", bad)), *NEW)
    assert outcome.code == 3
    assert "台账.csv:row 2: 序号 (A):" in outcome.stderr and "台账.csv:row 2: 整改时限 (G):" in outcome.stderr
    assert "nothing was imported" in outcome.stderr
    as_json = cli("import", str(tmp_path / "台账.csv"), *NEW, "--json").json
    assert [(d["location"], d["field"]) for d in as_json["defects"]] == [
        ("row 2", "序号 (A)"),
        ("row 2", "整改时限 (G)"),
    ]
    assert cli.ok("problems", "--json").json == []


def test_a_dry_run_shows_what_would_be_imported(cli, tmp_path):
    shown = cli.ok("import", str(write_csv(tmp_path / "台账.csv", ROWS)), *NEW, "--dry-run")
    assert "would import (nothing written)" in shown.stdout and "问题甲" in shown.stdout
    assert cli.ok("problems", "--json").json == []


def test_round_details_without_a_new_round_are_a_usage_error(cli, tmp_path):
    outcome = cli("import", str(write_csv(tmp_path / "台账.csv", ROWS)), "--code", "R4")
    assert outcome.code == 2 and "--new-round" in outcome.stderr


def test_a_large_import_keeps_its_json_clean(cli, tmp_path):
    rows = [HEADERS] + [[i, f"问题{i}", "措施", None, None, None, "2024-06-30", None] for i in range(1, 401)]
    summary = cli.ok("import", str(write_csv(tmp_path / "台账.csv", rows)), *NEW, "--json").json
    assert (summary["problems"], summary["format"]) == (400, "csv")


def test_the_shipped_round_exports_in_three_formats(cli, tmp_path):
    cli.ok("import", str(SEED_ROUND))
    for name in ("台账.xlsx", "台账.csv", "ledger.yaml"):
        done = cli.ok("export", "-o", str(tmp_path / name), "--json").json
        assert (done["problems"], done["measures"]) == (41, 88)
    exported = yaml.safe_load((tmp_path / "ledger.yaml").read_text(encoding="utf-8"))
    assert exported["round"]["code"] == "R4" and len(exported["problems"]) == 41
    assert cli("export", "-o", str(tmp_path / "ledger.pdf")).code == 2
