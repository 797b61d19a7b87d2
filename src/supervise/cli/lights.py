"""How a warning light looks in the terminal."""

from __future__ import annotations

from typing import Any

_STYLE = {"red": ("red", "红"), "yellow": ("yellow", "黄"), "green": ("green", "绿")}


def light_cell(view: dict[str, Any]) -> str:
    """``● 红`` in colour; ``?`` when the calendar could not tell; ``—`` when no light applies."""
    if view.get("light_error"):
        return "[bold magenta]?[/bold magenta]"
    light = view.get("light")
    if light not in _STYLE:
        return "—"
    style, zh = _STYLE[light]
    return f"[{style}]● {zh} {light}[/{style}]"


def calendar_warnings(views: list[dict[str, Any]]) -> list[str]:
    """The distinct reasons why some lights could not be told."""
    return list(dict.fromkeys(v["light_error"] for v in views if v.get("light_error")))
