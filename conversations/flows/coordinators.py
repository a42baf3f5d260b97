"""`coordinators add | remove | list`: who may run the programmes of a workspace.

Coordinator rights are per person, so per workspace. They come from app.yaml (re-applied at
every start by ``apply_configured``: a person removed there is no longer a coordinator) or
from `coordinators add` (until `coordinators remove`). Every grant and revoke is audited."""

from __future__ import annotations

from datetime import datetime

from conversations.config import CoreConfig
from conversations.messages import Reply, text
from conversations.parsing import CommandLine
from conversations.people import resolve_person
from conversations.ports import Repo
from conversations.records import AuditEntry, Person
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

ADD_WORDS = ("add", "lägg-till", "ny")
REMOVE_WORDS = ("remove", "ta-bort", "tabort")
LIST_WORDS = ("list", "lista")
VIA_CONFIG = "config"
VIA_COMMAND = "command"


def accepts_coordinators(turn: Turn, line: CommandLine) -> bool:
    return bool(line.args) and line.args[0].lower() in ADD_WORDS + REMOVE_WORDS + LIST_WORDS


def coordinators_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    sub = line.args[0].lower() if line.args else ""
    people = [a for a in line.args[1:] if a.startswith("@")]
    if sub in LIST_WORDS or (sub == "" and not line.args):
        return _list(turn)
    if sub in ADD_WORDS and people:
        return _add(turn, people, mentions)
    if sub in REMOVE_WORDS and people:
        return _remove(turn, people, mentions)
    return turn.say("usage.coordinators.full")


def _add(turn: Turn, people: list[str], mentions: dict[str, str]) -> Reply:
    names = []
    for token in people:
        person = resolve_person(turn, token, mentions, create=True)
        if person is None:
            continue
        if not person.is_coordinator:
            turn.repo.update(
                person.model_copy(update={"is_coordinator": True, "coordinator_via": VIA_COMMAND})
            )
            turn.audit("coordinator.added", f"person:{person.id}")
            turn.send(person.id or 0, lambda t: text(t("coordinators.welcome")))
        names.append(person.display_name)
    return turn.say("coordinators.added", names=", ".join(names))


def _remove(turn: Turn, people: list[str], mentions: dict[str, str]) -> Reply:
    removed: list[str] = []
    notes: list[str] = []
    for token in people:
        person = resolve_person(turn, token, mentions)
        if person is None or not person.is_coordinator:
            notes.append(turn.t("coordinators.not_one", name=token))
            continue
        if person.id == turn.person.id:
            notes.append(turn.t("coordinators.not_yourself"))
            continue
        turn.repo.update(person.model_copy(update={"is_coordinator": False, "coordinator_via": ""}))
        turn.audit("coordinator.removed", f"person:{person.id}")
        turn.send(person.id or 0, lambda t: text(t("coordinators.goodbye")))
        removed.append(person.display_name)
        if person.coordinator_via == VIA_CONFIG:
            notes.append(turn.t("coordinators.also_in_config", name=person.display_name))
    lines = [turn.t("coordinators.removed", names=", ".join(removed))] if removed else []
    return turn.show(text("\n".join(lines + notes)))


def _list(turn: Turn) -> Reply:
    t = turn.t
    coordinators = sorted(
        turn.repo.find(Person, is_coordinator=True, erased_at=None),
        key=lambda p: p.display_name.lower(),
    )
    lines = [
        f"• {p.display_name} — {t('coordinators.via.' + (p.coordinator_via or VIA_CONFIG))}"
        for p in coordinators
    ]
    return turn.show(text("\n".join(lines), title=t("coordinators.list_title", n=len(lines))))


def apply_configured(repo: Repo, config: CoreConfig, now: datetime) -> tuple[int, int]:
    """Make app.yaml's coordinators the configured ones, across every workspace: grant those
    named there, revoke the ones it granted before and no longer names. A coordinator added
    with `coordinators add` is kept. Returns (granted, revoked); each change is audited."""
    wanted: dict[int, Person] = {}
    for entry in config.coordinators:
        platform, _, rest = entry.partition(":")
        workspace, user_id = ("local", rest) if platform == "local" else rest.split(":", 1)
        found = repo.first(Person, platform=platform, workspace=workspace, platform_user_id=user_id)
        if found is not None and found.erased_at is None:
            wanted[found.id or 0] = found
    current = repo.find(Person, is_coordinator=True, coordinator_via=VIA_CONFIG)
    changes = [(p, True) for p in wanted.values() if p.coordinator_via != VIA_CONFIG]
    changes += [(p, False) for p in current if (p.id or 0) not in wanted]
    for person, grant in changes:
        update = (
            {"is_coordinator": True, "coordinator_via": VIA_CONFIG}
            if grant
            else {"is_coordinator": False, "coordinator_via": ""}
        )
        repo.update(person.model_copy(update=update))
        repo.add(
            AuditEntry(
                at=now,
                actor_id=None,
                action="coordinator.added" if grant else "coordinator.removed",
                subject=f"person:{person.id}",
                detail={"via": VIA_CONFIG},
            )
        )
    granted = sum(1 for _, grant in changes if grant)
    return granted, len(changes) - granted


ROUTES = Routes(
    commands=(
        CommandRoute(
            "coordinators",
            ("koordinatorer",),
            Audience.COORDINATOR,
            coordinators_command,
            accepts_coordinators,
        ),
    ),
)
