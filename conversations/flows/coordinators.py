"""`coordinators add`: a coordinator names another (they are told, and it is audited)."""

from __future__ import annotations

from conversations.messages import Reply, text
from conversations.parsing import CommandLine
from conversations.people import resolve_person
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn


def coordinators_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    people = [a for a in line.args if a.startswith("@")]
    if not line.args or line.args[0].lower() not in ("add", "lägg-till", "ny") or not people:
        return turn.say("usage.coordinators.full")
    names = []
    for token in people:
        person = resolve_person(turn, token, mentions, create=True)
        if person is None:
            continue
        if not person.is_coordinator:
            turn.repo.update(person.model_copy(update={"is_coordinator": True}))
            turn.audit("coordinator.added", f"person:{person.id}")
            turn.send(person.id or 0, lambda t: text(t("coordinators.welcome")))
        names.append(person.display_name)
    return turn.say("coordinators.added", names=", ".join(names))


ROUTES = Routes(
    commands=(
        CommandRoute(
            "coordinators", ("koordinatorer",), Audience.COORDINATOR, coordinators_command
        ),
    ),
)
