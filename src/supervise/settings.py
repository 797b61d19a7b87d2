"""Settings, built from the environment when an entrypoint starts (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from platformdirs import user_data_dir

from supervise.domain.text import Lang


@dataclass(frozen=True)
class Settings:
    database_url: str
    workflows_dir: Path | None
    lang: Lang

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_database_url() -> str:
    path = Path(user_data_dir("supervise", appauthor=False)) / "supervise.db"
    return f"sqlite:///{path}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    lang = env.get("SUPERVISE_LANG", "both")
    if lang not in ("zh", "en", "both"):
        lang = "both"
    workflows = env.get("SUPERVISE_WORKFLOWS_DIR")
    return Settings(
        database_url=env.get("SUPERVISE_DATABASE_URL") or default_database_url(),
        workflows_dir=Path(workflows) if workflows else None,
        lang=cast(Lang, lang),
    )
