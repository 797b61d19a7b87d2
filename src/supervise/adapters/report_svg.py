"""Charts as inline SVG: no script, no external file, readable when printed.

Each function returns one ``<svg>`` element as markup. Every piece of user text (unit
names) is escaped; sizes are in CSS pixels with a ``viewBox`` so the charts scale.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from supervise.domain.report.labels import LABELS, words
from supervise.domain.report.model import SIGNAL_LABELS, SIGNALS, Burndown, LeagueRow
from supervise.domain.text import Lang

COLOURS = {
    "red": "#d93025",
    "yellow": "#f9ab00",
    "green": "#34a853",
    "none": "#bdc1c6",
    "long_term": "#4285f4",
    "done": "#137333",
    "open": "#e8710a",
    "grid": "#e8eaed",
    "axis": "#5f6368",
    "ideal": "#9aa0a6",
}
FONT = "font-family=\"'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif\""


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
    )
    return Markup(head + f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = "#202124") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{escape(text)}</text>'
    )


def _nice_step(top: int, ticks: int = 5) -> int:
    raw = max(1.0, top / ticks)
    base = 10 ** math.floor(math.log10(raw))
    return int(next(m * base for m in (1, 2, 5, 10) if m * base >= raw))


# --- burndown -------------------------------------------------------------------------------------


def burndown_chart(b: Burndown, lang: Lang) -> Markup:
    """Lines of open, long-term and closed problems; a dashed ideal line from all open at the start to
    none open at the latest deadline; the report's day marked."""
    width, height, left, right, top, bottom = 640, 280, 44, 16, 34, 40
    end = max(b.end, b.target) if b.target and b.target > b.end else b.end
    span = max(1, (end - b.start).days)
    peak = max([p.total for p in b.points] + [1])
    step = _nice_step(peak)
    ymax = step * math.ceil(peak / step)

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - b.start).days / span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / ymax)

    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    for v in range(0, ymax + 1, step):
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(_text(left - 6, y(v) + 4, str(v), anchor="end", fill=COLOURS["axis"]))
    for day in _month_ticks(b.start, end):
        body.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{top}" y2="{height - bottom}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(
            _text(x(day), height - bottom + 16, f"{day.year}-{day.month:02d}", anchor="middle", fill=COLOURS["axis"])
        )
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{COLOURS["axis"]}"/>')
    if b.target and b.target > b.start and b.points:
        start_open = b.points[0].open + b.points[0].long_term
        body.append(
            f'<line x1="{x(b.start):.1f}" y1="{y(start_open):.1f}" x2="{x(b.target):.1f}" y2="{y(0):.1f}" '
            f'stroke="{COLOURS["ideal"]}" stroke-dasharray="5 4" stroke-width="1.5"/>'
        )
    series = [
        ("open", [p.open for p in b.points], LABELS["open"]),
        ("long_term", [p.long_term for p in b.points], LABELS["long_term"]),
        ("done", [p.closed for p in b.points], LABELS["closed"]),
    ]
    for key, values, _ in series:
        if not any(values) and key != "open":
            continue
        points = " ".join(f"{x(p.day):.1f},{y(v):.1f}" for p, v in zip(b.points, values, strict=True))
        body.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[key]}" stroke-width="2.5"/>')
    if b.points:
        last = b.points[-1]
        body.append(
            f'<line x1="{x(last.day):.1f}" x2="{x(last.day):.1f}" y1="{top}" y2="{height - bottom}" '
            f'stroke="{COLOURS["axis"]}" stroke-dasharray="2 3"/>'
        )
        body.append(
            _text(x(last.day) - 4, y(last.open) - 6, str(last.open), anchor="end", size=13, fill=COLOURS["open"])
        )
    legend = [(COLOURS[k], words(t, lang)) for k, v, t in series if any(v) or k == "open"]
    if b.target:
        legend.append((COLOURS["ideal"], words(LABELS["ideal"], lang)))
    body += _legend(legend, left, 14)
    return _svg(width, height, body, words(LABELS["burndown"], lang))


def _month_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    months = (end.year - start.year) * 12 + end.month - start.month
    every = max(1, math.ceil(months / 8))
    ticks: list[dt.date] = []
    year, month = start.year, start.month
    while True:
        month += every
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = dt.date(year, month, 1)
        if day > end:
            return ticks
        ticks.append(day)


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for colour, name in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" rx="2" fill="{colour}"/>')
        out.append(_text(x + 16, y + 1, name))
        x += 28 + 7.5 * sum(2 if ord(c) > 0x2E80 else 1 for c in name)
    return out


# --- lights donut ---------------------------------------------------------------------------------


def lights_donut(counts: dict[str, int], lang: Lang) -> Markup:
    """A ring of the problems by light, the share closed in the middle, a legend with the counts."""
    width, height, cx, cy, r_out, r_in = 420, 220, 105, 110, 90, 56
    total = sum(counts.values())
    body: list[str] = []
    angle = -math.pi / 2
    for key in SIGNALS:
        n = counts.get(key, 0)
        if not n:
            continue
        sweep = 2 * math.pi * n / total
        body.append(_arc(cx, cy, r_out, r_in, angle, angle + sweep, COLOURS[key]))
        angle += sweep
    if not total:
        body.append(f'<circle cx="{cx}" cy="{cy}" r="{r_out}" fill="{COLOURS["grid"]}"/>')
    done = counts.get("done", 0)
    body.append(_text(cx, cy + 2, f"{done}/{total}", anchor="middle", size=22))
    body.append(_text(cx, cy + 22, words(LABELS["closed"], lang), anchor="middle", fill=COLOURS["axis"]))
    y = 40
    for key in SIGNALS:
        body.append(f'<rect x="220" y="{y - 11}" width="14" height="14" rx="3" fill="{COLOURS[key]}"/>')
        body.append(_text(240, y, f"{words(SIGNAL_LABELS[key], lang)}  {counts.get(key, 0)}"))
        y += 26
    return _svg(width, height, body, words(LABELS["lights"], lang))


def _arc(cx: float, cy: float, r1: float, r2: float, a0: float, a1: float, colour: str) -> str:
    if a1 - a0 >= 2 * math.pi - 1e-9:  # a full ring cannot be one arc
        return (
            f'<circle cx="{cx}" cy="{cy}" r="{(r1 + r2) / 2}" fill="none" stroke="{colour}" stroke-width="{r1 - r2}"/>'
        )
    large = 1 if a1 - a0 > math.pi else 0
    p = [(cx + r * math.cos(a), cy + r * math.sin(a)) for r, a in ((r1, a0), (r1, a1), (r2, a1), (r2, a0))]
    return (
        f'<path d="M{p[0][0]:.2f},{p[0][1]:.2f} A{r1},{r1} 0 {large} 1 {p[1][0]:.2f},{p[1][1]:.2f} '
        f'L{p[2][0]:.2f},{p[2][1]:.2f} A{r2},{r2} 0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z" fill="{colour}"/>'
    )


# --- units bar ------------------------------------------------------------------------------------


def units_bars(rows: Sequence[LeagueRow], lang: Lang, limit: int = 15) -> Markup:
    """One stacked bar per unit (league order): done, open on time, overdue."""
    shown = list(rows[:limit])
    width, label_w, row_h, top = 420, 128, 26, 30
    height = top + row_h * max(1, len(shown)) + 10
    peak = max([r.items for r in shown] + [1])
    scale = (width - label_w - 56) / peak
    body = _legend(
        [
            (COLOURS["done"], words(LABELS["done"], lang)),
            (COLOURS["open"], words(LABELS["open"], lang)),
            (COLOURS["red"], words(LABELS["overdue"], lang)),
        ],
        8,
        14,
    )
    for i, r in enumerate(shown):
        y = top + i * row_h
        name = r.unit or words(LABELS["no_unit"], lang)
        body.append(_text(label_w - 8, y + 16, _clip(name, 8), anchor="end", size=13))
        x = float(label_w)
        for value, colour in (
            (r.done, COLOURS["done"]),
            (r.open - r.overdue, COLOURS["open"]),
            (r.overdue, COLOURS["red"]),
        ):
            if value > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{value * scale:.1f}" height="{row_h - 8}" fill="{colour}"/>'
                )
                x += value * scale
        body.append(_text(x + 6, y + 16, f"{r.done}/{r.items}", size=13, fill=COLOURS["axis"]))
    return _svg(width, height, body, words(LABELS["league"], lang))


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"
