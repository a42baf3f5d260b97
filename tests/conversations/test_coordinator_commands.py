"""Every coordinator command — the list is the engine's routes with the coordinator audience,
so a new one is covered without touching this file — is refused to anyone else in one polite
line in their language, changing nothing; and each that changes something, run by a
coordinator, leaves an entry in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conversations.engine import COMMANDS
from conversations.flows.help import command_word
from conversations.i18n import Texts
from conversations.locales import en, sv
from conversations.memory import InMemoryStore
from conversations.records import ALL_RECORDS, AuditEntry, Person, PlanWake, Receipt
from conversations.routes import Audience
from tests.conversations.harness import Bot, consent, make_bot, paired

COORDINATOR = [c for c in COMMANDS if c.audience == Audience.COORDINATOR]
UNAUDITED = (AuditEntry, Receipt, PlanWake)  # the log itself, and the machinery
# A use of each coordinator command that does something, in a programme with one pair
# (anna & bo) and cecilia enrolled as a mentor, gustav as an adept.
USES = {
    "program": [
        'program new "Höst 2027" --purpose career --start 2027-08-16 --end 2027-12-17',
        "program list",
    ],
    "enroll": ["enroll @zed as adept --program 1"],
    "pair": ["pair @cecilia @gustav"],
    "invite": ["invite @hanna @ivar as adept"],
    "match": ["match"],
    "rematch": ["rematch @bo"],
    "end": ["end @anna completed"],
    "status": ["status"],
    "report": ["report"],
    "coordinators": [
        "coordinators add @cecilia",
        "coordinators remove @cecilia",
        "coordinators list",
    ],
}


def _world() -> Bot:
    bot = make_bot(InMemoryStore())
    paired(bot)
    bot.say("kim", "enroll @cecilia as mentor")
    bot.say("kim", "enroll @gustav as adept")
    consent(bot, "cecilia", "gustav")
    return bot


def _everything(bot: Bot) -> str:
    with bot.store.transaction() as repo:
        return "\n".join(
            repr(sorted(repo.find(cls), key=lambda r: r.id or 0))
            for cls in ALL_RECORDS
            if cls not in UNAUDITED
        )


def _speak(bot: Bot, who: str, lang: str) -> None:
    with bot.store.transaction() as repo:
        (person,) = repo.find(Person, platform_user_id=who)
        repo.update(person.model_copy(update={"locale": lang}))


def _words(texts: dict[str, Any]) -> set[str]:
    return {
        w.lower()
        for entry in texts.values()
        if isinstance(entry, str)
        for w in re.findall(r"[A-Za-zÅÄÖåäö]{4,}", re.sub(r"\{[^}]*\}", "", entry))
    }


# Words only the English texts use ("program" and "status" are Swedish words too).
ENGLISH = _words(en.TEXTS) - _words(sv.TEXTS)


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("command", COORDINATOR, ids=lambda c: c.name)
def test_a_coordinator_command_is_refused_to_anyone_else_in_one_line(
    command: Any, lang: str
) -> None:
    bot = _world()
    _speak(bot, "bo", lang)
    t = Texts(lang)
    word = command_word(t, command.name)
    before = _everything(bot)
    for line in (word, f"{word} @anna"):
        reply = bot.say("bo", line)
        (message,) = reply.messages
        said = message.plain_text()
        assert said == t("error.only_coordinator", command=word)
        assert "\n" not in said and not message.buttons and reply.form is None
        if lang == "sv":
            words = {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäö]+", said)}
            assert words & ENGLISH == set(), said
    assert _everything(bot) == before


def test_every_coordinator_command_has_a_use_here() -> None:
    assert sorted(USES) == sorted(c.name for c in COORDINATOR)


@pytest.mark.parametrize("line", [line for uses in USES.values() for line in uses])
def test_a_coordinator_command_that_changes_something_is_audited(line: str) -> None:
    bot = _world()
    before = _everything(bot)
    logged = len(bot.record(AuditEntry))
    reply = bot.say("kim", line)
    assert reply.messages and not reply.errors
    new = bot.record(AuditEntry)[logged:]
    if _everything(bot) != before:
        (kim,) = bot.record(Person, platform_user_id="kim")
        assert new and all(e.actor_id == kim.id for e in new), line
