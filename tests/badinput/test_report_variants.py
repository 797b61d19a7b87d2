"""The published report (the seed) as offices mangle it: re-encoded, cut short, edited by hand.

The variants are made from the seed file at run time (its text is not copied into the
repository); without the seed these tests are skipped. Each is imported through the real
command into a new round: read whole (41 problems), or refused at the right line, with
the database unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.badinput.conftest import Populated

# A round of each test's own: if a variant that should be refused were imported, it would not
# make the next test's new round collide with it.
NEW_ROUND = ["--new-round"]


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _import(db: Populated, path: Path, *args: str) -> tuple[int, dict]:
    outcome = db.cli()("import", str(path), "--format", "report", *args, "--json")
    return outcome.code, outcome.json


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("gb18030", lambda t: t.encode("gb18030")),  # Notepad's "ANSI" on Chinese Windows
        ("utf16", lambda t: t.encode("utf-16")),  # Notepad's "Unicode"
        ("utf8-bom", lambda t: t.encode("utf-8-sig")),
        ("crlf", lambda t: t.replace("\n", "\r\n").encode()),
        ("word-line-breaks", lambda t: t.replace("\n\n整改情况", "\v整改情况").encode()),  # Word's Shift+Enter
    ],
)
def test_the_report_reencoded_or_reflowed_is_read_whole(populated: Populated, seed_text, tmp_path, name, encode):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(encode(seed_text))
    before = populated.checksum(counters=False)
    code, summary = _import(populated, path, *NEW_ROUND, f"通报-{name}", "--dry-run")
    assert (code, summary["problems"]) == (0, 41)
    assert summary["preview"][0]["title"] == "学用结合不紧密"
    assert populated.checksum(counters=False) == before


def _cut_mid_character(text: str) -> tuple[bytes, tuple[str, str, str]]:
    cut = len(text[: text.index("21.关于")].encode()) + len("21.关于".encode()) + 1  # one byte into a character
    return text.encode()[:cut], (f"line {_line_of(text, '21.关于')}", "", "damaged UTF-8")


VARIANTS = {
    # name: (make the file's bytes from the seed, expected (location, field, words))
    "cut-mid-character": _cut_mid_character,
    "cut-before-the-date": lambda t: (
        t[: t.index("21.关于")].encode(),
        (f"line {_line_of(t, '1.关于')}", "整改时限", "no deadline and no date at its end"),
    ),
    "title-quote-unclosed": lambda t: (
        t.replace("7.关于“", "7.关于", 1).encode(),
        (f"line {_line_of(t, '7.关于')}", "问题", "cannot read the problem's title"),
    ),
    "problem-pasted-twice": lambda t: (
        t.replace("3.关于", "1.关于“学用结合不紧密”的问题。\n\n3.关于", 1).encode(),
        (f"line {_line_of(t, '3.关于')}", "序号", "1 appears more than once"),
    ),
    "paragraph-pasted-from-gbk": lambda t: (
        t[: t.index("10.关于")].encode() + t[t.index("10.关于") :].encode("gb18030"),
        (f"line {_line_of(t, '10.关于')}", "", "mixes in text in another encoding"),
    ),
    "nul-byte": lambda t: (
        t.replace("12.关于", "12.\0关于", 1).encode(),
        (f"line {_line_of(t, '12.关于')}", "", "NUL"),
    ),
    "control-character-in-a-title": lambda t: (
        t.replace("学用结合不紧密", "学用结合\x1b不紧密", 1).encode(),
        (f"line {_line_of(t, '1.关于')}", "问题", "control character U+001B"),
    ),
    "saved-as-pdf": lambda t: (b"%PDF-1.7\n" + t.encode(), ("", "", "not a text file but a PDF file")),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_report_mangled_is_refused_at_the_line_at_fault(populated: Populated, seed_text, tmp_path, name):
    data, (location, field, words) = VARIANTS[name](seed_text)
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    before = populated.checksum()
    code, report = _import(populated, path, *NEW_ROUND, f"通报-{name}")
    assert code == 3
    found = [(d["location"], d["field"], d["problem_en"]) for d in report["defects"]]
    assert any(loc == location and f == field and words in en for loc, f, en in found), found
    assert populated.checksum() == before


def test_without_its_title_the_report_names_no_round(populated: Populated, seed_text, tmp_path):
    path = tmp_path / "untitled.txt"
    path.write_text(seed_text.split("\n", 1)[1], encoding="utf-8")
    before = populated.checksum()
    code, report = _import(populated, path)
    assert code == 3
    assert [(d["location"], d["field"]) for d in report["defects"]] == [("line 1", "")]
    assert "no round name in the title" in report["defects"][0]["problem_en"]
    assert populated.checksum() == before


def test_the_report_into_its_own_round_meets_the_problems_already_there(populated: Populated, seed_text, tmp_path):
    """The seed's round is the walkthrough's: importing it there is refused at problem 13, nothing written."""
    path = tmp_path / "seed.txt"
    path.write_text(seed_text, encoding="utf-8")
    before = populated.checksum()
    code, report = _import(populated, path)
    assert code == 3
    where = [(d["location"], d["field"]) for d in report["defects"]]
    assert where == [(f"line {_line_of(seed_text, '13.关于')}", "序号")]
    assert populated.checksum() == before
