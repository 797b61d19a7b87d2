"""Email bodies from the Jinja2 templates shipped in ``supervise/templates``.

HTML templates escape everything they are given (user text: titles, names); plain-text
templates do not need to. Undefined variables are errors, not blanks.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from supervise.domain.text import Lang


@cache
def environment(folder: str = "templates") -> Environment:
    """The Jinja2 environment of a template folder shipped in the package (HTML escaped, undefined names refused)."""
    return Environment(
        loader=PackageLoader("supervise", folder),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _languages(lang: Lang) -> tuple[str, ...]:
    return ("zh", "en") if lang == "both" else (lang,)


def render(name: str, lang: Lang, subject: str, context: dict[str, Any]) -> tuple[str, str]:
    """(plain text, HTML) of template ``name`` in ``lang``; "both" puts Chinese first, then English."""
    env = environment()
    langs = _languages(lang)
    texts = [env.get_template(f"{name}.{code}.txt.j2").render(context) for code in langs]
    parts = [Markup(env.get_template(f"{name}.{code}.html.j2").render(context)) for code in langs]
    text = "\n\n----------------------------------------\n\n".join(t.strip() + "\n" for t in texts)
    html = env.get_template("layout.html.j2").render(subject=subject, parts=parts)
    return text, html
