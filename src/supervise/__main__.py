"""``python -m supervise``: the same as the ``supervise`` command."""

from supervise.cli.main import run

run()
