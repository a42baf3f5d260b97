"""Coordinator rights: named per workspace, revocable, listed, re-applied from app.yaml."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conversations.config import CoreConfig
from conversations.flows.coordinators import apply_configured
from conversations.memory import InMemoryStore
from conversations.records import AuditEntry, Person
from tests.conversations.harness import START, make_bot


def test_a_coordinator_can_be_added_listed_and_removed_and_each_change_is_audited() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    bot.say("eva", "help")
    assert (
        "Coordinators added: eva"
        in bot.say("kim", "coordinators add @eva").messages[0].plain_text()
    )
    listed = bot.say("kim", "coordinators list").messages[0].plain_text()
    assert "2 coordinators" in listed and "eva — added with `coordinators add`" in listed
    assert "kim — named in the bot's settings" in listed
    removed = bot.say("kim", "coordinators remove @eva").messages[0].plain_text()
    assert "No longer coordinators: eva" in removed
    assert "no longer a programme coordinator" in bot.texts_to("eva")
    refused = bot.say("eva", "status").messages[0].plain_text()
    assert "Only programme coordinators" in refused
    actions = [a.action for a in bot.record(AuditEntry) if a.action.startswith("coordinator.")]
    assert actions == ["coordinator.added", "coordinator.removed"]


def test_a_coordinator_cannot_remove_themselves_or_someone_who_is_not_one() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    bot.say("eva", "help")
    assert (
        "cannot remove yourself"
        in bot.say("kim", "coordinators remove @kim").messages[0].plain_text()
    )
    assert (
        "@eva is not a coordinator"
        in bot.say("kim", "coordinators remove @eva").messages[0].plain_text()
    )
    assert bot.record(Person, platform_user_id="kim")[0].is_coordinator


def test_removing_a_coordinator_named_in_app_yaml_says_to_remove_them_there_too() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en", coordinators=("local:kim", "local:eva"))
    bot.say("eva", "help")
    said = bot.say("kim", "coordinators remove @eva").messages[0].plain_text()
    assert "remove them there too" in said


def test_app_yaml_is_re_applied_at_start_removed_there_means_removed() -> None:
    store = InMemoryStore()
    bot = make_bot(store, coordinators=("local:kim", "local:eva"))
    bot.say("eva", "help")
    bot.say("ola", "help")
    bot.say("kim", "coordinators add @ola")
    assert bot.record(Person, platform_user_id="eva")[0].is_coordinator
    later = CoreConfig(coordinators=["local:kim"])
    with store.transaction() as repo:
        assert apply_configured(repo, later, START) == (0, 1)
    assert not bot.record(Person, platform_user_id="eva")[0].is_coordinator
    assert bot.record(Person, platform_user_id="ola")[0].is_coordinator  # added by command
    again = CoreConfig(coordinators=("local:kim", "local:eva"))
    with store.transaction() as repo:
        assert apply_configured(repo, again, START) == (1, 0)
        assert apply_configured(repo, again, START) == (0, 0)  # idempotent
    assert bot.record(Person, platform_user_id="eva")[0].is_coordinator


@pytest.mark.parametrize("entry", ["slack:U0123ABCD", "teams:00000000-aad"])
def test_an_entry_that_names_no_workspace_is_refused_at_start(entry: str) -> None:
    with pytest.raises(ValidationError, match="names no workspace"):
        CoreConfig(coordinators=[entry])


def test_a_coordinator_of_one_workspace_is_not_one_in_another() -> None:
    config = CoreConfig(coordinators=["slack:T1:U0123ABCD", "local:kim"])
    from conversations.events import Actor
    from conversations.people import new_person

    assert new_person(config, Actor("slack", "U0123ABCD", workspace="T1"), START).is_coordinator
    assert not new_person(config, Actor("slack", "U0123ABCD", workspace="T2"), START).is_coordinator
    assert new_person(config, Actor("local", "kim"), START).is_coordinator
