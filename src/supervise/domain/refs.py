"""References to items as users type them: ``13``, ``13.2``, ``R4:13``, ``十二届省委第四轮巡视:13.2``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from supervise.domain.errors import SuperviseError
from supervise.domain.text import Text

_REF = re.compile(r"^(?:(?P<round>.+):)?(?P<number>\d+)(?:\.(?P<measure>\d+))?$")


class BadReference(SuperviseError):
    code = "bad_reference"


@dataclass(frozen=True)
class Ref:
    round: str | None
    number: int
    measure: int | None = None

    def __str__(self) -> str:
        base = f"{self.round}:{self.number}" if self.round else str(self.number)
        return f"{base}.{self.measure}" if self.measure is not None else base

    @property
    def problem(self) -> Ref:
        return Ref(self.round, self.number)


def parse_ref(text: str) -> Ref:
    match = _REF.match(text.strip().replace("：", ":"))
    if not match:
        raise BadReference(
            Text(
                f"无法识别的编号 {text!r}：应为 问题号、问题号.举措号 或 轮次:问题号",
                f"cannot read reference {text!r}: expected NUMBER, NUMBER.K or ROUND:NUMBER",
            ),
            ref=text,
        )
    measure = match["measure"]
    return Ref(match["round"], int(match["number"]), int(measure) if measure else None)
