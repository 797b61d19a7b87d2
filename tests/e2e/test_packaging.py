"""An installed supervise finds its workflows and migrations without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def build_wheel(out: Path) -> Path:
    from hatchling.builders.wheel import WheelBuilder

    [wheel] = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    return Path(wheel)


def test_the_wheel_carries_the_default_workflows_and_the_migrations(tmp_path):
    names = zipfile.ZipFile(build_wheel(tmp_path)).namelist()
    assert "supervise/workflows/problem.yaml" in names
    assert "supervise/workflows/measure.yaml" in names
    assert any(n.startswith("supervise/adapters/migrations/versions/0001_") for n in names)
    assert "supervise/adapters/migrations/env.py" in names


def test_an_installed_copy_reads_its_packaged_workflows_and_migrates_a_database(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import supervise.adapters.workflow_files as w, supervise.adapters.migrate as m, sys\n"
        "from supervise.adapters.db import make_engine\n"
        "print(w.default_workflows_dir())\n"
        "print(sorted(w.load_registry().names()))\n"
        f"e = make_engine('sqlite:///{tmp_path / 'x.db'}'); m.upgrade(e)\n"
        "print(m.current_revision(e) == m.head_revision())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    where, names, migrated = result.stdout.splitlines()
    assert Path(where) == site / "supervise" / "workflows"
    assert names == "['measure', 'problem']"
    assert migrated == "True"
