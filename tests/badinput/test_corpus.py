"""Every file of the corpus through the real command: refused precisely (exit 3) or read; the database unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.badinput.conftest import CORPUS, Populated

CASES: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
ARGS = {"plans": [], "ledgers": ["--round", "R4"], "reports": []}
ALL = [(kind, name) for kind, files in CASES.items() for name in files]


def test_the_corpus_lists_every_file_and_every_file_exists():
    on_disk = {f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*") if p.is_file()}
    listed = {f"{kind}/{name}" for kind, name in ALL}
    assert on_disk == listed


def _matches(defect: dict[str, str], expected: dict[str, str]) -> bool:
    return (
        defect["location"] == expected.get("at", "")
        and defect["field"] == expected.get("field", "")
        and expected["says"] in defect["problem_en"]
    )


@pytest.mark.parametrize(("kind", "name"), ALL, ids=[f"{k}/{n}" for k, n in ALL])
def test_each_file_is_refused_precisely_or_read_and_the_database_is_unchanged(populated: Populated, kind, name):
    case = CASES[kind][name]
    path = CORPUS / kind / name
    dry = ["--dry-run"] if "read" in case else []
    before = populated.checksum(counters=not dry)
    outcome = populated.cli()("import", str(path), *ARGS[kind], *dry, "--json")
    if "read" in case:
        assert outcome.code == 0, outcome.stdout
        summary = outcome.json
        assert summary["problems"] == case["read"]["problems"]
        if "titles" in case["read"]:
            assert [p["title"] for p in summary["preview"]] == case["read"]["titles"]
    else:
        assert outcome.code == 3, outcome.stdout + outcome.stderr
        report = outcome.json
        assert report["error"] == "input_rejected"
        defects = report["defects"]
        for expected in case["refused"]:
            assert any(_matches(d, expected) for d in defects), (expected, defects)
        # Every defect names the file, and says what was expected in both languages.
        assert all(name in d["source"] and d["problem_zh"] and d["problem_en"] for d in defects)
    assert populated.checksum(counters=not dry) == before


def test_a_refusal_reads_for_people_as_file_place_field_and_problem(populated: Populated):
    path = CORPUS / "ledgers" / "bad-cells.csv"
    outcome = populated.cli()("import", str(path), "--round", "R4")
    assert outcome.code == 3
    lines = outcome.stderr.splitlines()
    assert "有 4 处错误，未导入任何内容" in lines[0] and "has 4 defect(s); nothing was imported" in lines[0]
    assert f"{path}:row 2: 序号 (A): 应为问题编号（如 13），此处为 x" in outcome.stderr
    assert f"{path}:row 3: 责任领导 (D): 每个问题只有一位责任领导" in outcome.stderr
