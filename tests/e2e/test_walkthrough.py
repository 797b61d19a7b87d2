"""The README's demo command: a problem from assigned to closed, then tampering caught."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT


def test_the_walkthrough_closes_a_problem_and_catches_the_edited_history(tmp_path):
    env = {**os.environ, "SUPERVISE_DEMO_DIR": str(tmp_path / "demo")}
    env.pop("SUPERVISE_DATABASE_URL", None)
    result = subprocess.run(
        ["bash", "scripts/walkthrough.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "13: verified → closed (close, v5)" in out
    assert "audit chain intact: 7 events verified" in out
    assert "altered: event 6 (seq 6)" in out
    assert "李四 submitted this fix and cannot verify or close it" in result.stderr
    assert (tmp_path / "demo" / "supervise.db").exists()
