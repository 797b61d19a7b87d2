"""The report in a terminal (rich): summary, lights, overdue items, days to close, burndown, league table."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from supervise.adapters.report_render import num, pct, sparkline
from supervise.domain.report.labels import LABELS, words
from supervise.domain.report.model import SIGNAL_LABELS, SIGNALS, OverdueGroup, Report, activity_rows
from supervise.domain.text import Lang

STYLES = {
    "red": "bold red",
    "yellow": "yellow",
    "green": "green",
    "none": "dim",
    "long_term": "blue",
    "done": "dim green",
}
DOTS = {"red": "●", "yellow": "●", "green": "●", "none": "○", "long_term": "◆", "done": "✓"}


def _head(key: str, lang: Lang) -> str:
    """A column header: Chinese over English (``both``), so that columns stay narrow."""
    return words(LABELS[key], lang, sep="\n")


def print_report(report: Report, console: Console, lang: Lang = "both") -> None:
    def L(key: str) -> str:  # noqa: N802 - reads like the templates' L()
        return words(LABELS[key], lang)

    console.print(f"[bold]{report.round.name}[/bold]  {L('report')} · {L('as_of')} {report.as_of}")
    console.print(Panel(_figures(report, lang), title=L("summary")))
    console.print(_lights_table(report, lang))
    for key, groups, none_key in (
        ("overdue_by_unit", report.overdue_by_unit, "no_unit"),
        ("overdue_by_leader", report.overdue_by_leader, "no_leader"),
    ):
        console.print(_overdue_table(L(key), groups, L(none_key), lang))
    points = report.burndown.points
    if points:
        console.print(
            Panel(
                f"{sparkline([p.open for p in points])}\n"
                f"{points[0].day} {L('open')} {points[0].open} → {points[-1].day} {L('open')} {points[-1].open}, "
                f"{L('long_term')} {points[-1].long_term}, {L('closed')} {points[-1].closed}",
                title=L("burndown"),
            )
        )
    console.print(_league_table(report, lang))
    for note in report.notes:
        console.print(f"[yellow]{words(note, lang)}[/yellow]")


def _figures(report: Report, lang: Lang) -> Group:
    def L(key: str) -> str:  # noqa: N802
        return words(LABELS[key], lang)

    s, d = report.summary, report.days_to_close
    pairs: list[tuple[str, str, str]] = [
        (L("problems"), str(s.problems), "bold"),
        (L("closed"), f"{s.problems_closed} ({pct(s.closed_share)})", "green"),
        (L("open"), str(s.problems_open), ""),
        (L("overdue"), str(s.problems_overdue), "bold red" if s.problems_overdue else ""),
        (L("long_term"), str(s.problems_long_term), "blue"),
        (L("rebounds"), str(s.rebounds), "red" if s.rebounds else ""),
        (f"{L('measures')} · {L('done')}", f"{s.measures_done}/{s.measures}", ""),
        (f"{L('measures')} · {L('overdue')}", str(s.measures_overdue), "red" if s.measures_overdue else ""),
        (L("median_days"), num(d.median), ""),
        (L("max_days"), num(d.max), ""),
    ]
    pairs += [(L(k), str(v), "dim") for k, v in activity_rows(report)]
    grid = Table.grid(padding=(0, 2))
    for _ in range(2):
        grid.add_column(style="dim")
        grid.add_column(justify="right")
    for i in range(0, len(pairs), 2):
        cells: list[str | RichText] = []
        for label, value, style in pairs[i : i + 2]:
            cells += [label, RichText(value, style=style)]
        grid.add_row(*cells)
    lights = RichText()
    for key in SIGNALS:
        lights.append(f"{DOTS[key]} {words(SIGNAL_LABELS[key], lang)} {s.problems_by_signal[key]}  ", style=STYLES[key])
    states = "  ".join(f"{words(c.label, lang)} {c.count}" for c in s.problems_by_state)
    return Group(grid, RichText(""), lights, RichText(states))


def _lights_table(report: Report, lang: Lang) -> Table:
    def L(key: str) -> str:  # noqa: N802
        return words(LABELS[key], lang)

    table = Table(title=L("lights"), title_justify="left")
    for key in ("col_number", "col_title", "col_lead_unit", "col_leader", "col_deadline", "col_state", "col_light"):
        if key == "col_title":
            table.add_column(_head(key, lang), min_width=16, ratio=1)
        else:
            table.add_column(_head(key, lang), justify="right" if key == "col_number" else "left", no_wrap=True)
    table.add_column(_head("col_days_overdue", lang), justify="right")
    for row in report.lights:
        style = STYLES[row.signal]
        table.add_row(
            str(row.number),
            row.title,
            row.lead_unit or "—",
            row.leader or "—",
            row.deadline.isoformat() if row.deadline else "—",
            row.state_label.zh if lang != "en" else row.state_label.en,
            RichText(
                f"{DOTS[row.signal]} {words(SIGNAL_LABELS[row.signal], 'en' if lang == 'en' else 'zh')}", style=style
            ),
            str(row.days_overdue) if row.days_overdue else "",
        )
    return table


def _overdue_table(title: str, groups: list[OverdueGroup], nobody: str, lang: Lang) -> Table | RichText:
    if not groups:
        return RichText(f"{title}: {words(LABELS['none_overdue'], lang)}", style="green")
    table = Table(title=title, title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("")
    table.add_column("", no_wrap=True)
    table.add_column("+d", justify="right", no_wrap=True)
    for g in groups:
        for i, item in enumerate(g.items):
            head = f"{g.name or nobody} ({g.count})" if i == 0 else ""
            table.add_row(
                head, item.ref, item.text, item.deadline.isoformat(), RichText(str(item.days_overdue), style="red")
            )
    return table


def _league_table(report: Report, lang: Lang) -> Table:
    def L(key: str) -> str:  # noqa: N802
        return words(LABELS[key], lang)

    table = Table(title=L("league"), title_justify="left")
    for key in ("col_rank", "col_unit", "col_items", "col_done", "col_overdue", "col_on_time", "col_done_rate"):
        table.add_column(_head(key, lang), justify="left" if key == "col_unit" else "right", no_wrap=key == "col_unit")
    for row in report.league:
        table.add_row(
            str(row.rank),
            row.unit or L("no_unit"),
            str(row.items),
            str(row.done),
            RichText(str(row.overdue), style="red" if row.overdue else ""),
            pct(row.on_time_rate),
            pct(row.done_rate),
        )
    return table
