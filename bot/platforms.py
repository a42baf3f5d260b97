"""How a chat platform plugs into the bot.

Each platform package under ``bot/`` provides two objects:

* a ``PlatformSetup``, listed in the registry in ``bot/app.py``: what the CLI may ask before
  anything is built (does ``mentorbot run`` connect to the platform itself, are its HTTP
  credentials set, its manifest), and how to build the platform from the services;
* the ``Platform`` it builds: the ``Delivery`` for the people on it, the web routes it adds to
  the one HTTP server, and ``start``/``shutdown`` around whatever it runs itself.

The CLI, the server and the delivery router see only these protocols, so they name no
platform and import no SDK (import-linter checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from conversations.ports import Delivery

if TYPE_CHECKING:
    from aiohttp import web

    from bot.services import Services
    from bot.settings import Settings


class Receiving(Enum):
    """How this process takes in what people send."""

    HTTP = "http"  # `mentorbot serve`: the platforms' routes on one web server
    CONNECTION = "connection"  # `mentorbot run` when a platform connects out itself
    NOTHING = "nothing"  # `mentorbot scheduler`: this process only delivers


class NotConfigured(Exception):
    """The platform cannot take messages this way with the credentials given; the text says
    what is missing (the CLI shows it as a usage error)."""


class Platform(Protocol):
    """One chat platform, built for this process."""

    @property
    def name(self) -> str:
        """The platform stored on its people (``Person.platform``): outbox rows for them go
        to ``delivery``."""
        ...

    @property
    def delivery(self) -> Delivery:
        """Sends outbox rows to people on this platform (the core's ``Delivery`` port)."""
        ...

    def routes(self) -> Sequence[web.RouteDef] | None:
        """The routes it adds to the one web server, or None when it takes no HTTP requests
        in this process."""
        ...

    async def start(self) -> None:
        """Begin taking what does not come over HTTP (a connection the platform opens itself)
        and return once started. Nothing to do for a platform reached over HTTP only."""
        ...

    async def shutdown(self) -> None:
        """Stop taking new work, let what it is handling finish (within its own limit), and
        close its connections. The database is closed after every platform has shut down."""
        ...


class PlatformSetup(Protocol):
    """A platform as the registry knows it before anything is built."""

    @property
    def name(self) -> str:
        """As ``Platform.name``; also ``mentorbot manifest <name>``."""
        ...

    @property
    def http_help(self) -> str:
        """Its route as ``mentorbot serve --help`` lists it (``POST /<path> (with …)``)."""
        ...

    @property
    def manifest_help(self) -> str | None:
        """The help of ``mentorbot manifest <name>``; None when it has no manifest."""
        ...

    def connects(self, settings: Settings) -> str | None:
        """When ``mentorbot run`` should connect to the platform itself instead of serving
        HTTP (its token for that is set): what the CLI says as it does; otherwise None."""
        ...

    def takes_http(self, settings: Settings) -> bool:
        """Whether the credentials it needs to take requests over HTTP are set."""
        ...

    def manifest(self, settings: Settings) -> str:
        """Its app manifest, built from app.yaml."""
        ...

    def write_manifest(self, settings: Settings, out: Path) -> str:
        """Write its app manifest (or package) to ``out``; what the CLI says it did."""
        ...

    def build(self, services: Services, receiving: Receiving) -> Platform | None:
        """The platform for this process, or None when its credentials are not set. Raises
        ``NotConfigured`` when ``receiving`` needs a credential that is missing."""
        ...
