"""Consent shown and asked again: Home shows a pending consent question or invitation with its
buttons (never "you will be paired soon" while nothing can happen until they answer), and
`consent ask` asks, once, everyone enrolled before consent was asked for; `status` names
them until they answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.records import AuditEntry, Enrolment, OutboxItem, Pair, Person, Phase
from tests.conversations.harness import Bot, consent, paired

PROGRAMME = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
WAITING = {
    "sv": "Din koordinator parar snart ihop dig",
    "en": "Your coordinator will pair you soon",
}
QUESTION = {"sv": "Innan något annat", "en": "Before anything else"}
AGREE = {"sv": "Jag godkänner", "en": "I agree"}


def _speak(bot: Bot, who: str, lang: str) -> None:
    with bot.store.transaction() as repo:
        (person,) = repo.find(Person, platform_user_id=who)
        repo.update(person.model_copy(update={"locale": lang}))


def _before_consent_existed(bot: Bot, *people: str) -> None:
    """Their enrolments as a database from before consent has them: never asked, no answer
    (the question the `enroll` sent is gone from the outbox)."""
    with bot.store.transaction() as repo:
        for who in people:
            (person,) = repo.find(Person, platform_user_id=who)
            for enrolment in repo.find(Enrolment, person_id=person.id):
                repo.update(enrolment.model_copy(update={"consent_at": None}))
            for row in repo.find(OutboxItem, person_id=person.id, kind="consent"):
                repo.delete(OutboxItem, row.id or 0)
            for entry in repo.find(AuditEntry, action="consent.requested"):
                if entry.detail.get("person") == person.id:
                    repo.delete(AuditEntry, entry.id or 0)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_home_shows_the_consent_question_with_its_buttons_until_it_is_answered(
    bot: Bot, lang: str
) -> None:
    bot.say("kim", PROGRAMME)
    bot.say("kim", "enroll @bo as adept")
    _speak(bot, "bo", lang)
    home = bot.say("bo", "home").messages[0]
    said = home.plain_text()
    assert QUESTION[lang] in said and WAITING[lang] not in said
    agree = next(b for b in home.buttons if b.action == "enrolment.consent")
    assert agree.label == AGREE[lang]
    assert any(b.action == "enrolment.decline" for b in home.buttons)

    bot.press("bo", "enrolment.consent", agree.value)  # pressed on Home itself
    home = bot.say("bo", "home").messages[0]
    assert WAITING[lang] in home.plain_text() and QUESTION[lang] not in home.plain_text()
    assert not any(b.action.startswith("enrolment.") for b in home.buttons)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_home_shows_an_unanswered_invitation_with_accept_and_decline(bot: Bot, lang: str) -> None:
    bot.say("kim", PROGRAMME)
    bot.say("kim", "invite @bo as adept")
    _speak(bot, "bo", lang)
    home = bot.say("bo", "home").messages[0]
    assert "Vår 2027" in home.plain_text() and WAITING[lang] not in home.plain_text()
    actions = [b.action for b in home.buttons]
    assert "invitation.accept" in actions and "invitation.decline" in actions
    filled = bot.fill("bo", "invitation.accept", {"consent": "ja" if lang == "sv" else "yes"})
    assert not filled.errors
    home = bot.say("bo", "home").messages[0]
    assert WAITING[lang] in home.plain_text()
    assert "invitation.accept" not in [b.action for b in home.buttons]


def test_two_questions_on_home_say_which_programme_each_button_is_for(bot: Bot) -> None:
    bot.say("kim", PROGRAMME)
    bot.say("kim", 'program new "Höst 2027" --purpose career --start 2027-08-16 --end 2027-12-17')
    bot.say("kim", "enroll @bo as adept --program 1")
    bot.say("kim", "invite @bo as adept --program 2")
    labels = [b.label for b in bot.say("bo", "hem").messages[0].buttons]
    assert "Jag godkänner (Vår 2027)" in labels
    assert "Ja, jag vill vara med (Höst 2027)" in labels


def test_consent_ask_asks_everyone_enrolled_before_consent_once(bot: Bot) -> None:
    paired(bot)  # anna & bo, paired
    bot.say("kim", "enroll @cecilia as mentor")
    consent(bot, "cecilia")
    _before_consent_existed(bot, "anna", "bo")

    since = len(bot.transcript)
    said = bot.say("kim", "samtycke fråga").messages[0].plain_text()
    assert said == (
        "Vår 2027: 2 personer fick frågan om samtycke; 0 har fått frågan förut men inte svarat"
        " än; 1 har godkänt."
    )
    for who in ("anna", "bo"):
        assert bot.kinds_to(who, since).count("consent") == 1
        assert "Innan något annat" in bot.texts_to(who, since)
    assert "consent" not in bot.kinds_to("cecilia", since)

    again = bot.say("kim", "consent ask --program 1").messages[0].plain_text()
    assert "0 personer fick frågan" in again and "2 har fått frågan förut" in again
    assert bot.kinds_to("anna", since).count("consent") == 1  # once

    # `status` names them until they answer (names only), not as people to pair.
    status = "\n".join(m.plain_text() for m in bot.say("kim", "status").messages)
    assert "Väntar på samtycke (2): anna, bo" in status
    assert "Utan par: cecilia" in status  # anna and bo cannot be paired before they agree


def test_consent_ask_does_not_ask_again_someone_whose_question_was_delivered(bot: Bot) -> None:
    """A delivered outbox row keeps no copy of its message: the audit trail remembers."""
    bot.say("kim", PROGRAMME)
    bot.say("kim", "enroll @bo as adept")
    bot.drain()
    assert bot.kinds_to("bo").count("consent") == 1
    since = len(bot.transcript)
    said = bot.say("kim", "samtycke fråga").messages[0].plain_text()
    assert "0 personer fick frågan" in said and "1 har fått frågan förut" in said
    bot.drain()
    assert "consent" not in bot.kinds_to("bo", since)


def test_a_paired_person_keeps_the_pair_and_sees_the_question_first_on_home(bot: Bot) -> None:
    paired(bot)
    _before_consent_existed(bot, "bo")
    bot.say("kim", "consent ask")
    home = bot.say("bo", "hem").messages[0]
    texts = [s.text for s in home.sections]
    question = next(i for i, s in enumerate(texts) if "Innan något annat" in s)
    pair = next(i for i, s in enumerate(texts) if "Ditt mentorpar" in s)
    assert question < pair  # asked before anything else
    assert home.buttons[0].action == "enrolment.consent"

    since = len(bot.transcript)
    bot.press("bo", "enrolment.consent")
    assert "Välkommen" not in bot.texts_to("bo", since)  # no second welcome to a running pair
    status = "\n".join(m.plain_text() for m in bot.say("kim", "status").messages)
    assert "samtycke" not in status


def test_declining_consent_ends_the_pair_and_the_partner_is_told(bot: Bot) -> None:
    paired(bot)
    _before_consent_existed(bot, "bo")
    bot.say("kim", "consent ask")
    since = len(bot.transcript)
    said = bot.press("bo", "enrolment.decline").messages[0].plain_text()
    assert "Du är inte med i Vår 2027" in said
    (pair,) = bot.record(Pair)
    assert pair.phase == Phase.ENDED_EARLY
    assert "din partner är inte längre med" in bot.texts_to("anna", since)
    assert "Ert mentorskap har avslutats av koordinatorn" not in bot.texts_to("bo", since)


def test_declining_before_the_programme_starts_withdraws_the_pair_without_a_word(
    bot: Bot,
) -> None:
    bot.say("kim", 'program new "Höst" --purpose career --start 2027-08-16 --end 2027-12-17')
    for who, role in (("anna", "mentor"), ("bo", "adept")):
        bot.say("kim", f"enroll @{who} as {role}")
        consent(bot, who)
    bot.say("kim", "pair @anna @bo")  # introduced on the start date
    _before_consent_existed(bot, "bo")
    bot.say("kim", "consent ask")
    bot.press("bo", "enrolment.decline")
    (anna,) = bot.record(Person, platform_user_id="anna")
    waiting = [str(row.payload) for row in bot.record(OutboxItem, person_id=anna.id)]
    assert waiting and not any("inte längre med" in p for p in waiting)  # she never heard of it
    (pair,) = bot.record(Pair)
    assert pair.phase == Phase.ENDED_EARLY


def test_an_invitation_answered_from_home_before_it_arrived_is_not_delivered_after(
    bot: Bot,
) -> None:
    """Queued for bo's working hours in New York, answered on Home before then: it does not
    arrive afterwards asking again."""
    bot.say("bo", "hjälp")
    with bot.store.transaction() as repo:
        (bo,) = repo.find(Person, platform_user_id="bo")
        repo.update(bo.model_copy(update={"timezone": "America/New_York", "locale": "en"}))
    bot.clock.set(bot.clock.now().replace(hour=8, minute=0))  # 02:00 or 03:00 in New York
    bot.say("kim", PROGRAMME)
    bot.say("kim", "invite @bo as adept")
    assert "invitation" not in bot.kinds_to("bo")  # waits for the morning there
    filled = bot.fill("bo", "invitation.accept", {"consent": "yes"}, _home_button(bot, "bo"))
    assert not filled.errors
    since = len(bot.transcript)
    bot.advance(timedelta(days=5))
    assert "invitation" not in bot.kinds_to("bo", since)
    assert "invitation-reminder" not in bot.kinds_to("bo", since)


def _home_button(bot: Bot, who: str) -> str:
    home = bot.say(who, "home").messages[0]
    return next(b.value for b in home.buttons if b.action == "invitation.accept")
