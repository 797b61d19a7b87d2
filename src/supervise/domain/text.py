"""Bilingual user-facing text.

Users of the reference deployment read Chinese; English is always available. A
``Text`` carries both, and ``render`` picks what the user asked for
(``SUPERVISE_LANG``: ``zh``, ``en`` or ``both``, the default, Chinese first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en", "both"]


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def render(self, lang: Lang = "both") -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return self.zh if self.zh == self.en else f"{self.zh} ({self.en})"

    def __str__(self) -> str:
        return self.render()


def join(parts: list[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    return Text(zh_sep.join(p.zh for p in parts), en_sep.join(p.en for p in parts))
