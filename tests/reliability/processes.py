"""Real processes a fault-injection test starts and stops: a private Redis, Celery workers, beats.

Every process runs in its own session (process group), so that a test can kill a worker
with everything it forked — as a crash or an out-of-memory kill would — and so that the
fixtures can always stop what is left. Every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.services import free_port, require

ROOT = Path(__file__).resolve().parents[2]
STOP_WAIT = 20.0  # seconds a process gets to stop by itself before it is killed


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, poll: float = 0.05) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (read from /proc: no psutil needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may contain spaces: read after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(self.output().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL to the whole process group: the process and everything it forked die at once."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_WAIT)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it does not end in time; safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass
        # A child that outlived its parent (it should not) goes with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


class PrivateRedis:
    """A redis-server of the test's own on a free port, never the shared one: a test may restart it.

    No persistence (``--save ""``, no AOF), as on this machine's shared server: a restart
    loses every queued and unacknowledged task message.
    """

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        require(binary is not None, "redis-server (to run a private Redis)")
        assert binary is not None
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.restarts = 0
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, socket_connect_timeout=2)

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(self.directory)]
        self.process = Process("redis", argv, dict(os.environ), self.directory / "redis.log")
        self.process.start()
        wait_until(self._answers, 10, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (its queues are lost), stay down ``down_for`` seconds, start it on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()
        self.restarts += 1

    def queued(self, queue: str = "supervise") -> int:
        """Task messages waiting in the queue plus those delivered and not yet acknowledged."""
        client = self.client()
        return int(client.llen(queue)) + int(client.hlen("unacked"))


def celery_worker(name: str, env: dict[str, str], log: Path, concurrency: int = 1) -> Process:
    """``celery -A worker.app worker``, as ``supervise worker`` starts it (queue ``supervise``).

    Mingle and gossip are off: they only exchange revoked-task lists and events between
    workers, and mingle alone costs a second at start-up.
    """
    argv = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", f"--hostname={name}@%h"]
    argv += ["--loglevel=INFO", f"--concurrency={concurrency}", "--queues=supervise", "--without-mingle"]
    argv += ["--without-gossip"]
    return Process(name, argv, env, log)


def start_worker(process: Process, timeout: float = 60.0) -> Process:
    process.start()
    ready = f"{process.name}@"
    wait_until(
        lambda: (
            any(ready in line and "ready." in line for line in process.output().splitlines()) or not process.alive()
        ),
        timeout,
        f"worker {process.name} to be ready",
        poll=0.1,
    )
    assert process.alive(), process.tail()
    return process


def supervise_beat(name: str, env: dict[str, str], directory: Path) -> Process:
    """``supervise beat`` with its own schedule file."""
    argv = [str(Path(sys.executable).parent / "supervise"), "beat", "--loglevel", "INFO"]
    argv += ["--schedule", str(directory / f"{name}-schedule")]
    return Process(name, argv, env, directory / f"{name}.log")
