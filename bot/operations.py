"""What a load balancer and Prometheus ask a process, beside ``GET /healthz`` (``bot/server.py``):

* ``GET /readyz``: 200 ``{"status": "ready", "revision": …}`` when a ``SELECT 1`` works on the
  store's own connection pool and the database's Alembic revision is this code's head; else
  503 with ``status: "unavailable"`` and a ``reason``: ``database_unreachable``,
  ``database_timeout``, ``schema_missing`` (never migrated), ``schema_behind`` (run
  ``mentorbot db upgrade``) or ``schema_unknown`` (a revision this code does not know: newer
  code migrated it). ``/healthz`` says the process is up; ``/readyz`` that it can do its work.
* ``GET /metrics``: the process's Prometheus metrics (``bot/metrics.py``).

Both run their database reads in a worker thread, never on the event loop. The answer never
holds an error's message (it may quote a host or a value), only its type.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from bot.metrics import Metrics
from bot.server import RunningServer, build_web_app, start
from storage import migrate

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("mentorbot.operations")

READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
VERSION_TABLE = "alembic_version"  # Alembic's default, as storage/migrate.py leaves it
READY_TIMEOUT_SECONDS = 5.0  # a database that does not answer within this is not ready


@dataclass(frozen=True)
class Readiness:
    ready: bool
    body: dict[str, Any] = field(default_factory=dict)


def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    return frozenset(revision.revision for revision in script.walk_revisions())


class SchemaCheck:
    """Is the database reachable and at this code's head revision? (Synchronous.)"""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.head = migrate.head()
        self.known = _known_revisions()

    def __call__(self) -> Readiness:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = _revision(connection)
        except Exception as error:
            return _unavailable("database_unreachable", error=type(error).__name__)
        if current == self.head:
            return Readiness(True, {"status": "ready", "revision": current})
        if current is None:
            return _unavailable("schema_missing", head=self.head)
        reason = "schema_behind" if current in self.known else "schema_unknown"
        return _unavailable(reason, revision=current, head=self.head)


def _revision(connection: Connection) -> str | None:
    """The database's Alembic revision, read from its table (Alembic's ``MigrationContext``
    would log two lines at every probe)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return str(found[0]) if len(found) == 1 else None


def _unavailable(reason: str, **details: str) -> Readiness:
    return Readiness(False, {"status": "unavailable", "reason": reason, **details})


class Operations:
    """The ``/readyz`` and ``/metrics`` handlers of one process (``metrics`` None: no
    ``/metrics``)."""

    def __init__(
        self,
        engine: Engine,
        metrics: Metrics | None,
        *,
        timeout: float = READY_TIMEOUT_SECONDS,
    ) -> None:
        self.check = SchemaCheck(engine)
        self.metrics = metrics
        self.timeout = timeout
        self._was_ready: bool | None = None

    async def readiness(self) -> Readiness:
        try:
            found = await asyncio.wait_for(asyncio.to_thread(self.check), self.timeout)
        except TimeoutError:
            found = _unavailable("database_timeout")
        if found.ready != self._was_ready:  # a change, not every probe
            self._was_ready = found.ready
            level = logging.INFO if found.ready else logging.WARNING
            log.log(level, "event=readiness ready=%s reason=%s", found.ready, _reason(found))
        return found

    async def readyz(self, request: web.Request) -> web.Response:
        found = await self.readiness()
        return web.json_response(found.body, status=200 if found.ready else 503)

    async def scrape(self, request: web.Request) -> web.Response:
        assert self.metrics is not None
        body, content_type = await asyncio.to_thread(self.metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": content_type})

    def routes(self) -> list[web.RouteDef]:
        found = [web.get(READY_PATH, self.readyz)]
        if self.metrics is not None:
            found.append(web.get(METRICS_PATH, self.scrape))
        return found


def _reason(found: Readiness) -> str:
    return str(found.body.get("reason", "none"))


def operations_routes(services: Services) -> list[web.RouteDef]:
    """``GET /readyz`` and (unless app.yaml turns it off) ``GET /metrics`` of this process."""
    metrics = services.metrics if services.settings.metrics.enabled else None
    return Operations(services.store.engine, metrics).routes()


async def serve_operations(services: Services, port: int | None) -> RunningServer | None:
    """``/healthz``, ``/readyz`` and ``/metrics`` on a port of their own
    (``server.operations_port``); None when no port is set."""
    if port is None:
        return None
    routes = operations_routes(services)
    return await start(build_web_app(routes), services.settings.server.host, port)
