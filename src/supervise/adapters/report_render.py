"""Reports as text files: HTML (inline SVG charts), Markdown, JSON, and the public notice.

The templates live in ``supervise/templates/reports`` and ship in the wheel. HTML escapes
everything it is given; Markdown escapes table cells; undefined names are errors.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from supervise.adapters import report_svg as svg
from supervise.adapters import templates
from supervise.domain.report import chinese as cn
from supervise.domain.report.labels import LABELS, words
from supervise.domain.report.model import SIGNAL_LABELS, SIGNALS, Report, activity_rows
from supervise.domain.report.notice import Notice
from supervise.domain.text import Lang, Text

ICONS = {"red": "🔴", "yellow": "🟡", "green": "🟢", "none": "⚪", "long_term": "🔵", "done": "✅"}
_SPARKS = "▁▂▃▄▅▆▇█"


def environment() -> Environment:
    return templates.environment("templates/reports")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def num(value: float | int | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _common(report: Report, lang: Lang, generated: dt.datetime | None) -> dict[str, Any]:
    return {
        "r": report,
        "lang": lang,
        "signals": SIGNALS,
        "signal_labels": SIGNAL_LABELS,
        "pct": pct,
        "num": num,
        "activity": activity_rows(report),
        "generated": (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_html(report: Report, lang: Lang = "both", generated: dt.datetime | None = None) -> str:
    def label(key: str, plain: bool = False) -> Markup:
        return _bilingual(LABELS[key], lang, plain)

    def text(value: Text, plain: bool = False) -> Markup:
        return _bilingual(value, lang, plain)

    charts = {
        "burndown": svg.burndown_chart(report.burndown, lang),
        "lights": svg.lights_donut(report.summary.problems_by_signal, lang),
        "units": svg.units_bars(report.league, lang),
    }
    context = _common(report, lang, generated) | {"L": label, "W": text, "charts": charts}
    return environment().get_template("report.html.j2").render(context)


def _bilingual(value: Text, lang: Lang, plain: bool) -> Markup:
    """Chinese with the English beside it in a quieter span (``both``), or the one language asked for."""
    if lang != "both" or value.zh == value.en:
        return escape(value.render(lang))
    if plain:
        return escape(f"{value.zh} / {value.en}")
    return Markup(f'{escape(value.zh)}<span class="en">{escape(value.en)}</span>')


def render_markdown(report: Report, lang: Lang = "both", generated: dt.datetime | None = None) -> str:
    def label(key: str) -> str:
        return words(LABELS[key], lang)

    def text(value: Text) -> str:
        return words(value, lang)

    context = _common(report, lang, generated) | {
        "L": label,
        "W": text,
        "cell": md_cell,
        "icons": ICONS,
        "spark": sparkline([p.open for p in report.burndown.points]),
    }
    return environment().get_template("report.md.j2").render(context)


def md_cell(value: object) -> str:
    """A table cell: pipes escaped, line breaks folded, empty shown as a dash."""
    if value is None or value == "":
        return "—"
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def sparkline(values: list[int]) -> str:
    if not values:
        return ""
    top = max(values) or 1
    return "".join(_SPARKS[min(len(_SPARKS) - 1, round(v / top * (len(_SPARKS) - 1)))] for v in values)


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


def render_notice(notice: Notice) -> str:
    text = environment().get_template("notice.txt.j2").render({"n": notice, "ordinal": cn.ordinal})
    return text.rstrip("\n") + "\n"
