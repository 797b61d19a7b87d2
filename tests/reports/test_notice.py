"""The public notice (通报): the seed's structure line by line, facts only from the ledger and the office's file."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from supervise.adapters.report_render import render_notice
from supervise.domain.errors import InputRejected
from supervise.domain.report.notice_config import NoticeConfig, parse_notice_config
from supervise.services.reports import ReportRequest, load_notice

CONFIG = """
issuer: 武汉市江夏区委
date: 2024-07-18
lead_official: {title: 区委书记, name: 王五}
feedback:
  disclosure: {days: 21}
  phone: 027—81568306
  phone_hours: 工作日 08:30—17:30
  mailbox: 湖北省武汉市江夏区委巡察工作领导小组办公室
  postcode: 430299
  email: jx_xcb@wh.hubei.net
"""
POINT = re.compile(r"^[一二三四五六七八九十]+是[^。]+。.+")


def structure(text: str) -> list[str]:
    """The notice's skeleton as the seed lays it out: every paragraph checked against its pattern, in order.
    Returns the problem numbers' lines; fails on anything out of place."""
    lines = text.rstrip("\n").split("\n")
    paragraphs = [line for line in lines if line]
    assert all(line == "" for line in lines[1::2]), "paragraphs are separated by one blank line"
    it = iter(paragraphs)
    assert re.fullmatch(r"中共.+关于.+整改进展情况的通报", next(it))
    assert re.fullmatch(
        r"根据.+(巡视|巡察)统一部署,.+进行了(巡视|巡察),并于.+反馈了(巡视|巡察)意见。.+予以公布。", next(it)
    )
    assert re.fullmatch(r"一、(巡视|巡察)整改组织领导情况", next(it))
    line = next(it)
    while POINT.match(line):
        line = next(it)
    assert line == "二、集中整改进展情况"
    numbers = []
    line = next(it)
    while (m := re.fullmatch(r"(\d+)[.:]关于“(.+)”的问题。", line)) is not None:
        numbers.append(m.group(1))
        assert next(it).startswith("整改情况:")
        line = next(it)
    assert line == "三、下一步工作打算"
    line = next(it)
    while POINT.match(line):
        line = next(it)
    assert line.startswith("欢迎广大干部群众对") and "整改落实情况进行监督" in line
    assert re.fullmatch(r"中共.+", next(it))
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", next(it))
    assert next(it, None) is None
    return numbers


def test_the_structure_check_accepts_the_seed_itself(seed_text):
    numbers = structure(seed_text)
    assert numbers == [str(n) for n in range(1, 42)]


@pytest.fixture
def notice(history):
    return render_notice(load_notice(history, ReportRequest(), parse_notice_config(CONFIG, "notice.yaml")))


def test_the_notice_follows_the_seed_structure(notice):
    assert structure(notice) == ["1", "2", "8", "13", "17", "40"]


def test_the_notice_opens_with_the_round_and_its_dates(notice):
    title, _, opening = notice.splitlines()[:3]
    assert title == "中共武汉市江夏区委关于十二届省委第四轮巡视整改进展情况的通报"
    assert opening == (
        "根据省委巡视统一部署,2023年7月17日至9月15日,省委第十一巡视组对江夏区进行了巡视,"
        "并于11月7日反馈了巡视意见。按照巡视工作有关要求,现将巡视整改进展情况予以公布。"
    )


def test_the_organisation_states_only_what_the_ledger_records(notice):
    organisation = notice.split("一、巡视整改组织领导情况")[1].split("二、集中整改进展情况")[0]
    assert "共6个问题、9项整改举措。其中立行立改1个、限期整改4个、需长期坚持1个。" in organisation
    assert "区委书记带头领办3个问题4项举措。" in organisation  # 王五 leads 1, 2 and 13
    assert "经逐项核验,已整改销号问题2个" in organisation
    # nothing records prompts, groups, visits or self-checks for this round: no sentence claims any
    for absent in ("工作提示", "督办组", "实地", "自查"):
        assert absent not in organisation


def test_each_problem_tells_its_progress_and_its_measures(notice):
    paragraphs = [p for p in notice.split("\n") if p]
    situation = {p.split(".")[0]: paragraphs[i + 1] for i, p in enumerate(paragraphs) if "的问题。" in p}
    assert situation["1"] == (
        "整改情况:印发《关于进一步深化全区重点产业链链长制工作机制的通知》。"
        "一是明晰产业赛道，细化形成产业体系,已完成。二是印发深化重点产业链链长制工作机制的通知,已超过完成时限,正加快推进。"
    )
    assert situation["2"] == "整改情况:立行立改,2023年9月印发实施方案，制定重点目标任务清单。"
    # the note already tells the measure: only its state, nothing twice
    assert situation["8"] == "整改情况:启动山坡高中改扩建项目。该项举措正有序推进。"
    assert "需长期坚持" in situation["17"]
    assert situation["40"].endswith("该问题销号后出现反弹,已重新启动整改。")


def test_next_steps_come_from_what_is_still_open(notice):
    steps = notice.split("三、下一步工作打算")[1]
    assert "对已经完成整改的2个问题" in steps and "对还未完成的3个问题" in steps and "对需要长期坚持的1个问题" in steps
    assert "二是聚焦逾期事项,加强督办问效。对已超过整改时限的1个问题、1项举措" in steps
    assert "三是严防问题反弹,巩固整改成果。对出现反弹的1个问题" in steps


def test_the_notice_ends_with_the_feedback_channel_and_the_signature(notice):
    *_, closing, _, signature, _, date = notice.rstrip("\n").split("\n")
    assert closing == (
        "欢迎广大干部群众对巡视整改落实情况进行监督。如有意见建议,请及时向我们反映。公开期限:2024年7月18日至8月8日。"
        "联系方式: 电话027—81568306(工作日 08:30—17:30);邮政信箱:湖北省武汉市江夏区委巡察工作领导小组办公室"
        "(邮编:430299);电子邮箱:jx_xcb@wh.hubei.net。"
    )
    assert (signature, date) == ("中共武汉市江夏区委", "2024年7月18日")


def test_without_the_office_file_the_notice_says_what_is_missing(history):
    notice = load_notice(history, ReportRequest(as_of=dt.date(2024, 4, 15)), NoticeConfig())
    assert notice.title == "中共江夏区委关于十二届省委第四轮巡视整改进展情况的通报"
    assert notice.closing == "欢迎广大干部群众对巡视整改落实情况进行监督。如有意见建议,请及时向我们反映。"
    assert [n.en for n in notice.notes] == [
        "no feedback channel or disclosure period given (feedback in --notice-config)"
    ]
    assert notice.date == "2024年4月15日"


def test_a_bad_notice_file_is_rejected_whole_with_its_lines():
    text = "issuer: x\nfeedback:\n  disclosure: {start: 2024-07-18}\n  fax: 123\ndate: 2024-02-30\n"
    with pytest.raises(InputRejected) as caught:
        parse_notice_config(text, "notice.yaml")
    places = sorted((d.location, d.field) for d in caught.value.defects)
    assert places == [
        ("line 3", "feedback.disclosure"),
        ("line 4", "feedback.fax"),
        ("line 5", "date"),
    ]


def test_the_notice_reads_back_as_the_same_problems(notice, workflows):
    """The published-report reader (import of a 通报) finds the round, every problem and its title."""
    report_text = pytest.importorskip("supervise.domain.report_text")
    from supervise.domain.deadlines import PolicyOptions

    parsed, read = report_text.parse_report(notice, "通报.txt", workflows, PolicyOptions(), dt.date(2024, 7, 18))
    assert parsed.plan.round.name == "十二届省委第四轮巡视"
    assert parsed.plan.round.feedback_date == dt.date(2023, 11, 7)
    assert [(p.number, p.title) for p in parsed.plan.problems] == [
        (1, "学用结合不紧密"),
        (2, "“车光产业跨界融合示范区”实施方案印发不及时"),
        (8, "南部教育资源短缺"),
        (13, "防洪和排涝设施存在风险隐患,脱坡未及时治理"),
        (17, "黄赌毒、电诈等案件居高不下"),
        (40, "上轮巡视反馈问题整改不彻底、出现反弹"),
    ]
    assert read.report_date == dt.date(2024, 7, 18)
