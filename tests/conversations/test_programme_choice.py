"""With several open programmes, a command that needs one asks which (a button per programme)
instead of picking the newest; ``program close`` asks for a confirmation first."""

from __future__ import annotations

from conversations.memory import InMemoryStore
from conversations.records import Enrolment, Pair, Programme, ProgrammeStatus
from conversations.routes import Action
from tests.conversations.harness import Bot, consent, make_bot

SPRING = 'program new "Vår" --purpose career --start 2027-01-11 --end 2027-06-01'
AUTUMN = 'program new "Höst" --purpose career --start 2027-01-11 --end 2027-12-01'


def two_programmes() -> tuple[Bot, dict[str, int]]:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("kim", AUTUMN)
    return bot, {p.name: p.id or 0 for p in bot.record(Programme)}


def test_enrolling_with_two_open_programmes_asks_which_instead_of_taking_the_newest() -> None:
    bot, ids = two_programmes()
    reply = bot.say("kim", "enroll @anna as mentor")
    (question,) = reply.messages
    assert "Du har 2 öppna program. Vilket gäller det?" in question.plain_text()
    labels = [b.label for b in question.buttons]
    assert labels[0].startswith("Höst") and labels[1].startswith("Vår")
    assert bot.record(Enrolment) == []  # nothing done until chosen

    chosen = bot.press(
        "kim",
        Action.CHOOSE_PROGRAMME,
        bot.button("kim", "programme.choose", f"{ids['Vår']}:").value,
    )
    assert "Registrerade anna som mentor i Vår." in chosen.messages[0].plain_text()
    (enrolment,) = bot.record(Enrolment)
    assert enrolment.programme_id == ids["Vår"]


def test_the_chosen_programme_runs_the_command_once() -> None:
    bot, ids = two_programmes()
    bot.say("kim", "enroll @anna as mentor")
    button = bot.button("kim", Action.CHOOSE_PROGRAMME, f"{ids['Höst']}:")
    bot.press("kim", Action.CHOOSE_PROGRAMME, button.value)
    again = bot.press("kim", Action.CHOOSE_PROGRAMME, button.value)
    assert "redan hanterat" in again.messages[0].plain_text()
    assert len(bot.record(Enrolment)) == 1


def test_pairing_with_two_open_programmes_asks_too_and_keeps_the_flags() -> None:
    bot, ids = two_programmes()
    bot.say("kim", "enroll @anna as mentor --program Höst")
    bot.say("kim", "enroll @bo @cia as adept --program Höst")
    consent(bot, "anna", "bo", "cia")
    bot.say("kim", "pair @anna @bo --program Höst")
    asked = bot.say("kim", "pair @anna @cia --force")
    assert asked.messages[0].buttons and len(bot.record(Pair)) == 1
    bot.press(
        "kim",
        Action.CHOOSE_PROGRAMME,
        bot.button("kim", "programme.choose", f"{ids['Höst']}:").value,
    )
    assert len(bot.record(Pair)) == 2  # --force came along: anna's capacity is one


def test_a_named_programme_or_a_single_open_one_is_not_asked_about() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    assert "Registrerade anna" in bot.say("kim", "enroll @anna as mentor").messages[0].plain_text()
    bot.say("kim", AUTUMN)
    reply = bot.say("kim", "registrera @bo som adept --program Höst")
    assert "Registrerade bo som adept i Höst." in reply.messages[0].plain_text()


def test_closing_a_programme_asks_for_a_confirmation_first() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    reply = bot.say("kim", "program close")
    (question,) = reply.messages
    assert "Stänga *Vår*" in question.plain_text()
    assert [b.style for b in question.buttons] == ["danger"]
    assert bot.record(Programme)[0].status == ProgrammeStatus.OPEN  # not yet

    done = bot.press("kim", Action.CLOSE_PROGRAMME)
    assert "Stängde Vår." in done.messages[0].plain_text()
    assert bot.record(Programme)[0].status == ProgrammeStatus.CLOSED
    again = bot.press("kim", Action.CLOSE_PROGRAMME)
    assert "Vår är redan stängt." in again.messages[0].plain_text()


def test_closing_with_two_open_programmes_asks_which_then_confirms() -> None:
    bot, ids = two_programmes()
    asked = bot.say("kim", "program stäng")
    assert len(asked.messages[0].buttons) == 2
    bot.press(
        "kim",
        Action.CHOOSE_PROGRAMME,
        bot.button("kim", "programme.choose", f"{ids['Vår']}:").value,
    )
    assert all(p.status == ProgrammeStatus.OPEN for p in bot.record(Programme))
    bot.press("kim", Action.CLOSE_PROGRAMME)
    status = {p.name: p.status for p in bot.record(Programme)}
    assert status == {"Vår": ProgrammeStatus.CLOSED, "Höst": ProgrammeStatus.OPEN}


def test_a_programme_paired_in_after_the_question_is_not_closed() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("kim", "program close 1")
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    bot.say("kim", "pair @anna @bo")
    refused = bot.press("kim", Action.CLOSE_PROGRAMME)
    assert "1 par är fortfarande öppet" in refused.messages[0].plain_text()
    assert bot.record(Programme)[0].status == ProgrammeStatus.OPEN


def test_only_a_coordinator_can_press_the_programme_buttons() -> None:
    bot, _ = two_programmes()
    bot.say("kim", "enroll @anna as mentor")
    value = bot.button("kim", Action.CHOOSE_PROGRAMME).value
    refused = bot.press("bo", Action.CHOOSE_PROGRAMME, value)
    assert "äldre meddelande" in refused.messages[0].plain_text()
    assert bot.record(Enrolment) == []
