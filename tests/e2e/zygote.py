"""The test's side of ``tests.e2e.outbox_worker``'s zygote: one warm Python process that forks
the dispatcher processes a kill test starts, kills and replaces (see that module for the
protocol). Forking costs milliseconds where starting Python and importing the bot costs
about a second of CPU, so a test can afford a hundred real deaths.

The test signals each dispatcher itself, by its pid: SIGUSR1 to start it, SIGKILL to kill it.
It holds a pidfd for each (Linux), so that a signal can never reach another process that
took over the pid of one already dead and reaped by the zygote."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Child:
    """One forked dispatcher."""

    name: str
    forked: asyncio.Future[int] = field(default_factory=asyncio.Future)  # its pid
    waiting: asyncio.Future[None] = field(default_factory=asyncio.Future)  # connected, idle
    exited: asyncio.Future[int] = field(default_factory=asyncio.Future)  # its exit status
    pidfd: int | None = None
    started: bool = False  # sent SIGUSR1
    killed: bool = False  # sent SIGKILL by the test's plan
    cpu_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.forked.result()


class Zygote:
    def __init__(self, folder: Path, options: list[str]) -> None:
        self.folder = folder
        self.options = options  # outbox_worker's command line (database, Slack, lease...)
        self.process: asyncio.subprocess.Process | None = None
        self.children: dict[str, Child] = {}
        self.by_pid: dict[int, Child] = {}
        self.ready: asyncio.Future[None] | None = None
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ready = asyncio.get_running_loop().create_future()
        with (self.folder / "zygote.log").open("w") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.e2e.outbox_worker",
                *self.options,
                "--logs",
                str(self.folder),
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        self.reader = asyncio.ensure_future(self._read())
        await self.ready

    async def fork(self, name: str) -> Child:
        """A new dispatcher, connected to the database and waiting for :meth:`go`."""
        assert self.process is not None and self.process.stdin is not None
        child = self.children[name] = Child(name)
        self.process.stdin.write(f"fork {name}\n".encode())
        await self.process.stdin.drain()
        await child.forked
        await child.waiting
        return child

    def go(self, child: Child) -> None:
        self._signal(child, signal.SIGUSR1)
        child.started = True

    def kill(self, child: Child) -> None:
        """SIGKILL ``child`` (a real one: the process gets no chance to do anything)."""
        self._signal(child, signal.SIGKILL)
        child.killed = True

    def _signal(self, child: Child, number: int) -> None:
        if child.pidfd is not None:
            signal.pidfd_send_signal(child.pidfd, number)
        else:
            os.kill(child.pid, number)

    async def stop(self) -> None:
        """End the zygote: it SIGKILLs the dispatchers still running, reaps and reports
        them, and exits."""
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        await self.process.wait()
        if self.reader is not None:
            await self.reader

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            match line.decode().split():
                case ["ready"] if self.ready is not None:
                    self.ready.set_result(None)
                case ["forked", name, pid]:
                    child = self.children[name]
                    self.by_pid[int(pid)] = child
                    if hasattr(os, "pidfd_open"):  # the child cannot exit before SIGUSR1
                        child.pidfd = os.pidfd_open(int(pid))
                    child.forked.set_result(int(pid))
                case ["waiting", name]:
                    self.children[name].waiting.set_result(None)
                case ["exited", pid, status, cpu]:
                    child = self.by_pid[int(pid)]
                    child.cpu_seconds = float(cpu)
                    if child.pidfd is not None:
                        os.close(child.pidfd)
                        child.pidfd = None
                    child.exited.set_result(int(status))
                    if not child.waiting.done():  # it died before it was ready
                        child.waiting.set_exception(
                            ConnectionError(f"{child.name} exited {status}: see its log")
                        )
        gone = ConnectionError(f"the zygote has exited: see {self.folder / 'zygote.log'}")
        for future in [self.ready, *self._futures()]:
            if future is not None and not future.done():
                future.set_exception(gone)

    def _futures(self) -> list[asyncio.Future[object]]:
        return [
            future  # type: ignore[misc]
            for child in self.children.values()
            for future in (child.forked, child.waiting, child.exited)
        ]
