"""Where to reach each Teams person: their 1:1 conversation with the bot (conversation id,
service URL, tenant, AAD object id), and each tenant's service URL for starting one.

Kept as audit entries (``teams.reference`` for a person, ``teams.tenant`` for a tenant's
service URL), the way ``bot/slack/workspaces.py`` keeps Slack's platform state: every process
and every restart agrees, the latest entry for a subject decides, and the storage schema is
unchanged. An entry is written only when what it says changes (a first contact, a new
conversation, a moved service URL); the process keeps what it read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from conversations.ports import Clock, Store
from conversations.records import AuditEntry

PERSON = "teams.reference"
TENANT = "teams.tenant"


@dataclass(frozen=True)
class Reference:
    """How to send into a person's 1:1 chat with the bot."""

    tenant_id: str
    aad_object_id: str
    conversation_id: str
    service_url: str
    user_id: str = ""  # the Bot Framework id ("29:…"), when Teams gave it
    bot_id: str = ""  # the bot's id in the conversation ("28:<app id>")
    channel_id: str = "msteams"


def subject(tenant_id: str, aad_object_id: str) -> str:
    return f"{tenant_id}:{aad_object_id}"


class References:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._people: dict[str, Reference] = {}
        self._tenants: dict[str, str] = {}

    def find(self, tenant_id: str, aad_object_id: str) -> Reference | None:
        key = subject(tenant_id, aad_object_id)
        if key not in self._people:
            detail = self._latest(PERSON, key)
            if detail is None:
                return None
            self._people[key] = Reference(**_known(detail))
        return self._people[key]

    def service_url(self, tenant_id: str) -> str | None:
        if tenant_id not in self._tenants:
            detail = self._latest(TENANT, tenant_id)
            if detail is None or not detail.get("service_url"):
                return None
            self._tenants[tenant_id] = str(detail["service_url"])
        return self._tenants[tenant_id]

    def remember(self, reference: Reference) -> bool:
        """Store ``reference`` unless it is already the one stored; True if it was new (the
        person had no reference before)."""
        before = self.find(reference.tenant_id, reference.aad_object_id)
        if self.service_url(reference.tenant_id) != reference.service_url:
            self._record(TENANT, reference.tenant_id, {"service_url": reference.service_url})
            self._tenants[reference.tenant_id] = reference.service_url
        if before == reference:
            return False
        key = subject(reference.tenant_id, reference.aad_object_id)
        self._record(PERSON, key, asdict(reference))
        self._people[key] = reference
        return before is None

    def _latest(self, action: str, key: str) -> dict[str, Any] | None:
        with self._store.read() as repo:
            entries = repo.find(AuditEntry, action=action, subject=key)
        if not entries:
            return None
        return max(entries, key=lambda e: (e.at, e.id or 0)).detail

    def _record(self, action: str, key: str, detail: dict[str, Any]) -> None:
        with self._store.transaction() as repo:
            repo.add(
                AuditEntry(
                    at=self._clock.now(), actor_id=None, action=action, subject=key, detail=detail
                )
            )


def _known(detail: dict[str, Any]) -> dict[str, str]:
    fields = Reference.__dataclass_fields__
    return {k: str(v) for k, v in detail.items() if k in fields}
