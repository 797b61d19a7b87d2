"""Importing CSV and Excel ledgers into the database: rounds, people and units, Excel's own ways, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.errors import InputRejected, NotFound
from supervise.domain.plan import parse_plan
from supervise.services.importing import ImportRequest, import_file, import_plan
from supervise.services.queries import ProblemFilter, list_problems, show_problem
from tests.conftest import WALKTHROUGH
from tests.ledger.conftest import HEADERS, NEW_ROUND, counts, snapshot, write_csv, write_xlsx

D = dt.date
ROWS = [
    HEADERS,
    [
        1,
        "学用结合不紧密",
        "细化产业体系；推动主导产业转型",
        "区领导甲",
        "区发改局",
        "区经信局、区科技局",
        "2024年6月底前",
        None,
    ],
    [2, "方案印发不及时", "印发实施方案", "区领导乙", "区经信局", "区发改局", "立行立改", "已印发"],
    [28, "批评教育不到位", "建立提醒约谈机制", "区领导甲", "区委办", None, "长期坚持", None],
]


def _problems(ctx):
    return {r["number"]: r for r in list_problems(ctx, ProblemFilter())}


def test_a_csv_ledger_goes_into_a_new_round_with_everyone_it_names(ctx, importer, tmp_path):
    summary = importer(write_csv(tmp_path / "台账.csv", ROWS), new_round=dict(NEW_ROUND))
    assert (summary.round, summary.round_created, summary.problems, summary.measures) == (
        "十二届省委第四轮巡视",
        True,
        3,
        4,
    )
    assert summary.people_created == ["区领导甲", "区领导乙"]
    assert summary.units_created == ["区发改局", "区经信局", "区科技局", "区委办"]
    rows = _problems(ctx)
    assert (rows[1]["deadline"], rows[2]["kind"], rows[2]["deadline"]) == ("2024-06-30", "immediate", "2023-12-07")
    assert (rows[28]["kind"], rows[28]["deadline"]) == ("long_term", None)
    assert rows[1]["units"] == ["区经信局", "区科技局"]
    assert [m["text"] for m in show_problem(ctx, "R4:1")["measures"]] == ["细化产业体系", "推动主导产业转型"]


def test_a_ledger_goes_into_an_existing_round_named_by_code(walkthrough, importer, tmp_path):
    summary = importer(write_csv(tmp_path / "more.csv", ROWS), round="R4")
    assert (summary.round_created, summary.problems) == (False, 3)
    assert sorted(_problems(walkthrough)) == [1, 2, 13, 28]
    assert summary.people_created == ["区领导甲", "区领导乙"]  # 王五 and the others were known already


def test_without_round_options_a_ledger_goes_into_the_only_round(walkthrough, importer, tmp_path):
    assert importer(write_csv(tmp_path / "more.csv", ROWS)).round == "十二届省委第四轮巡视"


def test_without_any_round_a_ledger_is_refused_with_what_to_do(ctx, importer, tmp_path):
    with pytest.raises(NotFound) as caught:
        importer(write_csv(tmp_path / "台账.csv", ROWS))
    assert "--new-round" in caught.value.text.en and "--round" in caught.value.text.en


def test_a_plan_file_gives_the_round_units_and_people_for_a_ledger(ctx, importer, tmp_path):
    directory = tmp_path / "round.yaml"
    directory.write_text(
        "round: {name: 另一轮巡察, code: X1, feedback_date: 2024-01-10}\n"
        "people:\n  - {name: 区领导甲, email: leader-a@example.org, roles: [leader]}\n",
        encoding="utf-8",
    )
    summary = importer(write_csv(tmp_path / "台账.csv", ROWS), plan=directory)
    assert (summary.round, summary.people_created) == ("另一轮巡察", ["区领导甲", "区领导乙"])
    assert _problems(ctx)[2]["deadline"] == "2024-02-09"  # immediate: 30 days after this round's feedback


def test_a_plan_file_with_problems_is_not_a_round_header(ctx, importer, tmp_path):
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "台账.csv", ROWS), plan=WALKTHROUGH)
    assert "problems belong in the ledger" in caught.value.defects[0].problem.en


def test_strict_refuses_unknown_people_and_units_naming_each_cell(walkthrough, importer, tmp_path):
    before = snapshot(walkthrough)
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "more.csv", ROWS), round="R4", strict=True)
    places = {(d.location, d.field) for d in caught.value.defects}
    assert ("row 2", "责任领导 (D)") in places and ("row 2", "责任单位 (F)") in places
    assert all("--strict" in d.problem.en for d in caught.value.defects)
    assert snapshot(walkthrough) == before


def test_a_dry_run_checks_everything_and_writes_nothing(ctx, importer, tmp_path):
    before = snapshot(ctx)
    summary = importer(write_csv(tmp_path / "台账.csv", ROWS), new_round=dict(NEW_ROUND), dry_run=True)
    assert (summary.dry_run, summary.problems, summary.round_created) == (True, 3, True)
    assert [p["number"] for p in summary.preview] == [1, 2, 28]
    assert snapshot(ctx) == before


def test_a_rejected_ledger_leaves_the_database_as_it_was(walkthrough, importer, tmp_path):
    before = snapshot(walkthrough)
    bad = [*ROWS, [13, "与已有问题同号", "措施", "王五", "区水务和湖泊局", None, "2024-06-30", None]]
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "more.csv", bad), round="R4")
    [defect] = caught.value.defects
    assert (defect.location, defect.field) == ("row 5", "序号 (A)")
    assert "already exists in this round" in defect.problem.en
    assert snapshot(walkthrough) == before


def test_csv_saved_by_excel_on_a_chinese_system_is_read(ctx, importer, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", ROWS, encoding="gb18030")
    assert importer(path, new_round=dict(NEW_ROUND)).problems == 3


def test_a_tab_separated_file_is_read_too(ctx, importer, tmp_path):
    path = tmp_path / "台账.tsv"
    path.write_text("\n".join("\t".join("" if c is None else str(c) for c in r) for r in ROWS), encoding="utf-8")
    assert importer(path, format="csv", new_round=dict(NEW_ROUND)).problems == 3


def test_excel_dates_as_dates_or_as_text_merged_cells_and_a_title_row(ctx, importer, tmp_path):
    rows = [
        ["江夏区巡视整改台账", None, None, None, None, None, None, None],
        HEADERS,
        ["一、推动高质量发展方面"] + [None] * 7,
        [
            15,
            "排涝设施排涝能力不足",
            "编制可研报告",
            "王五",
            "区水务和湖泊局",
            "区水务和湖泊局",
            dt.datetime(2024, 3, 31),
        ],
        [None, None, "推进排水工程", None, None, "区城管执法局", "2024年12月底前"],
        [16, "群众“办证难”问题未有效解决", "分类施策", "李四", "区住房和城市更新局", None, 45473],
    ]
    merges = ["A1:H1", "A3:H3", "A4:A5", "B4:B5", "D4:D5", "E4:E5"]
    summary = importer(write_xlsx(tmp_path / "台账.xlsx", rows, merges), new_round=dict(NEW_ROUND))
    assert (summary.problems, summary.measures) == (2, 3)
    shown = show_problem(ctx, "R4:15")
    assert (shown["category"], shown["leader"], shown["deadline"]) == ("推动高质量发展方面", "王五", "2024-12-31")
    assert [(m["text"], m["unit"], m["deadline"]) for m in shown["measures"]] == [
        ("编制可研报告", "区水务和湖泊局", "2024-03-31"),
        ("推进排水工程", "区城管执法局", "2024-12-31"),
    ]
    assert show_problem(ctx, "R4:16")["deadline"] == "2024-06-30"  # a date cell formatted as a number


def test_the_ledger_sheet_is_found_among_others_or_named(ctx, importer, tmp_path):
    import openpyxl

    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["本台账按月更新"])
    ledger = book.create_sheet("台账")
    for row in ROWS:
        ledger.append(row)
    book.save(path)
    summary = importer(path, new_round=dict(NEW_ROUND), dry_run=True)
    assert (summary.source, summary.problems) == (f"{path}[台账]", 3)
    with pytest.raises(InputRejected) as caught:
        importer(path, new_round=dict(NEW_ROUND), sheet="汇总")
    assert "no sheet 汇总" in caught.value.defects[0].problem.en


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx"),
        ("broken.xlsx", b"not a zip", "not a valid .xlsx"),
        ("ledger.pdf", b"%PDF", "unknown file format"),
        ("binary.csv", bytes(range(128, 256)) * 4, "neither UTF-8 nor GB18030"),
    ],
)
def test_files_that_are_no_ledger_are_refused_plainly(ctx, importer, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputRejected) as caught:
        importer(path, format="xlsx" if name.endswith(".xls") else None, new_round=dict(NEW_ROUND))
    assert words in caught.value.defects[0].problem.en
    assert counts(ctx)["problems"] == 0


def test_the_round_options_are_one_choice(ctx, importer, tmp_path):
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "台账.csv", ROWS), round="R4", new_round=dict(NEW_ROUND))
    assert "give one of --round, --new-round" in caught.value.defects[0].problem.en


def test_a_new_round_that_exists_already_is_refused(walkthrough, importer, tmp_path):
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "台账.csv", ROWS), new_round=dict(NEW_ROUND))
    assert "use --round" in caught.value.defects[0].problem.en


def test_a_bad_new_round_option_is_named(ctx, importer, tmp_path):
    with pytest.raises(InputRejected) as caught:
        importer(write_csv(tmp_path / "台账.csv", ROWS), new_round={"name": "X", "code": "有空格 的代码"})
    assert caught.value.defects[0].field == "round.code"


def test_a_yaml_plan_still_imports_as_before(ctx):
    parsed = parse_plan(WALKTHROUGH.read_text(encoding="utf-8"), str(WALKTHROUGH), ctx.workflows)
    assert import_plan(ctx, parsed, str(WALKTHROUGH)).problems == 1


def test_a_plan_files_problems_can_go_into_another_existing_round(walkthrough, importer, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("round: {name: 另一轮巡察, code: X1}\n", encoding="utf-8")
    importer(other)
    summary = importer(WALKTHROUGH, round="X1")
    assert (summary.round, summary.problems) == ("另一轮巡察", 1)
    assert show_problem(walkthrough, "X1:13")["measures"][0]["text"].startswith("完成新河")


def test_an_excel_file_reports_its_rows_as_they_are_read(ctx, importer, tmp_path):
    rows = [HEADERS] + [[i, f"问题{i}", "措施", None, None, None, "2024-06-30", None] for i in range(1, 5001)]
    heard: list[tuple[str, int, int]] = []
    request = ImportRequest(path=write_xlsx(tmp_path / "台账.xlsx", rows), new_round=dict(NEW_ROUND))
    import_file(ctx, request, lambda stage, done, total: heard.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in heard))
    assert stages == ["load", "read", "write"]
    assert heard[-1] == ("write", 5000, 5000)
