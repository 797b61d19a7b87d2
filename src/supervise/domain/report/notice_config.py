"""What the office supplies for the public notice (通报) that the ledger does not hold.

A small YAML file (``supervise report --format notice --notice-config notice.yaml``)::

    issuer: 武汉市江夏区委            # 中共{issuer}关于…的通报, and the signature 中共{issuer}
    date: 2024-07-18                  # the notice's date; default: the report's day (--as-of)
    lead_official: {title: 区委书记, name: 张三}   # 区委书记带头领办N个问题M项举措 (counted from the ledger)
    organisation:                     # paragraphs of 一、组织领导情况 the office writes itself (meetings…)
      - {heading: 加强领导,以上率下, text: 及时召开区委常委会,……}
    next_steps:                       # further points of 三、下一步工作打算, after those derived from the ledger
      - {heading: 以巡促干,推动发展, text: ……}
    feedback:
      disclosure: {start: 2024-07-18, end: 2024-08-08}   # or {days: 21}: from the notice's date
      phone: 027—81568306
      phone_hours: 工作日 08:30—17:30
      mailbox: 湖北省武汉市江夏区委巡察工作领导小组办公室
      postcode: "430299"
      email: jx_xcb@wh.hubei.net

Every key is optional. Where a figure is not recorded anywhere, the notice leaves its
sentence out rather than invent it.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from supervise.domain.errors import InputRejected
from supervise.domain.text import Text
from supervise.domain.yamlsource import parse_yaml, pydantic_defects


class _Strict(BaseModel):
    # Numbers are read as text where text is meant (postcode: 430299 unquoted).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, coerce_numbers_to_str=True)


class Paragraph(_Strict):
    heading: str = Field(min_length=1)  # 加强领导,以上率下 (the notice adds 一是… and the full stop)
    text: str = Field(min_length=1)


class Official(_Strict):
    title: str = Field(min_length=1)  # 区委书记
    name: str = Field(min_length=1)  # as in the ledger's 责任领导


class Disclosure(_Strict):
    start: dt.date | None = None
    end: dt.date | None = None
    days: int | None = Field(default=None, ge=1, le=366)

    @model_validator(mode="after")
    def _one_way(self) -> Disclosure:
        if self.end is not None and self.days is not None:
            raise ValueError("give end or days, not both")
        if self.end is None and self.days is None:
            raise ValueError("give end or days")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self

    def period(self, notice_date: dt.date) -> tuple[dt.date, dt.date]:
        start = self.start or notice_date
        end = self.end if self.end is not None else start + dt.timedelta(days=self.days or 0)
        return start, end


class Feedback(_Strict):
    disclosure: Disclosure | None = None
    phone: str | None = None
    phone_hours: str | None = None
    mailbox: str | None = None  # 邮政信箱
    postcode: str | None = None
    email: str | None = None


class NoticeConfig(_Strict):
    issuer: str | None = None
    deployer: str | None = None  # 根据{deployer}巡视统一部署; default: from the inspecting body (省委…)
    date: dt.date | None = None
    lead_official: Official | None = None
    organisation: list[Paragraph] = Field(default_factory=list)
    next_steps: list[Paragraph] = Field(default_factory=list)
    feedback: Feedback | None = None


def parse_notice_config(text: str, source: str) -> NoticeConfig:
    """Validate the office's notice file whole; every defect is reported with its line."""
    doc = parse_yaml(text, source)
    if doc.data is None:
        return NoticeConfig()
    if not isinstance(doc.data, dict):
        raise InputRejected(source, [doc.defect((), Text("应为一个映射（issuer、feedback…）", "expected a mapping"))])
    try:
        return NoticeConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise InputRejected(source, pydantic_defects(doc, exc.errors())) from None
