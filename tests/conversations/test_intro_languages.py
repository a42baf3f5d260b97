"""A pair whose members speak different languages is introduced to each in their own: a shared
group message would speak only one of them."""

from __future__ import annotations

from conversations.records import Person
from tests.conversations.harness import Bot, paired


def _speaks(bot: Bot, who: str, lang: str) -> None:
    bot.say(who, "hjälp")
    with bot.store.transaction() as repo:
        (person,) = repo.find(Person, platform_user_id=who)
        repo.update(person.model_copy(update={"locale": lang}))


def test_a_mixed_language_pair_reads_its_introduction_each_in_their_own_language(
    bot: Bot,
) -> None:
    _speaks(bot, "anna", "en")  # the mentor, in New York or wherever: English
    paired(bot)
    intros = [d for d in bot.transcript if d.kind == "intro" and d.message.title]
    assert {(tuple(sorted(d.to)), d.message.title) for d in intros} == {
        (("anna",), "Meet your mentoring partner"),
        (("bo",), "Möt din mentorpartner"),
    }
    assert "Första mötet" not in bot.texts_to("anna")


def test_a_pair_of_one_language_shares_one_group_introduction(bot: Bot) -> None:
    paired(bot)
    intros = [d for d in bot.transcript if d.kind == "intro" and d.message.title]
    assert [(tuple(sorted(d.to)), d.message.title) for d in intros] == [
        (("anna", "bo"), "Möt din mentorpartner")
    ]
