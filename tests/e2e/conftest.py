"""Running the real ``supervise`` command in-process against a database of the test's own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from supervise.cli.main import app


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class Supervise:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Outcome:
        result = self.runner.invoke(app, list(args), env=self.env, catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str) -> Outcome:
        outcome = self(*args)
        assert outcome.code == 0, (args, outcome.stdout, outcome.stderr)
        return outcome


@pytest.fixture
def cli(database_url: str) -> Supervise:
    """The CLI on a fresh, migrated database (both backends)."""
    return Supervise({"SUPERVISE_DATABASE_URL": database_url, "SUPERVISE_LANG": "both"})


@pytest.fixture
def blank_cli(tmp_path) -> Supervise:
    """The CLI on a database that does not exist yet."""
    return Supervise({"SUPERVISE_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'supervise.db'}"})
