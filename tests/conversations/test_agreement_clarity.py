"""Agreements that are clear: default clauses in each reader's language, what a new version
changes, Home says when a version waits for you, and the no-fault exit in every agreement."""

from __future__ import annotations

from conversations.records import Agreement, Pair, Phase
from tests.conversations.harness import Bot, first_meeting_held, paired


def to_agreement_phase(bot: Bot) -> None:
    paired(bot)
    bot.say("anna", "inställningar")
    bot.fill("anna", "settings.open", {"language": "en"})
    first_meeting_held(bot)
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": "Leda",
            "goal1_signal": "Två möten",
            "goal1_target": "2027-04-01",
            "goal1_rating": "2",
        },
    )
    bot.press("anna", "goals.confirm")


def test_default_clauses_are_shown_in_each_readers_language(bot: Bot) -> None:
    to_agreement_phase(bot)
    before = len(bot.transcript)
    bot.fill("bo", "agreement.propose", {})  # the Swedish adept proposes the defaults
    to_anna = bot.texts_to("anna", before)
    to_bo = bot.texts_to("bo", before)
    assert "What we say in our meetings stays between the two of us" in to_anna
    assert "stannar mellan oss två" not in to_anna
    assert "stannar mellan oss två" in to_bo


def test_a_new_version_says_what_changed_from_the_one_in_force(bot: Bot) -> None:
    to_agreement_phase(bot)
    bot.fill("bo", "agreement.propose", {})
    bot.press("anna", "agreement.accept")
    before = len(bot.transcript)
    bot.fill("anna", "agreement.propose", {"cadence": "21", "ethics": "We are on time."})
    to_bo = bot.texts_to("bo", before)
    assert "Ändrat jämfört med version 1, som gäller nu: Hur ofta ni ses, Etik." in to_bo


def test_home_says_when_a_version_waits_for_your_acceptance(bot: Bot) -> None:
    to_agreement_phase(bot)
    bot.fill("bo", "agreement.propose", {})  # bo's proposal is bo's acceptance
    home = bot.say("bo", "hem").messages[0].plain_text()
    assert "väntar på ditt godkännande" not in home and "väntar på godkännande" in home
    assert "waits for your acceptance" in bot.say("anna", "home").messages[0].plain_text()
    bot.press("anna", "agreement.accept")
    assert "waits for" not in bot.say("anna", "home").messages[0].plain_text()


def test_the_proposers_proposal_counts_as_their_acceptance(bot: Bot) -> None:
    to_agreement_phase(bot)
    before = len(bot.transcript)
    proposed = bot.fill("bo", "agreement.propose", {})
    said = "\n".join(m.plain_text() for m in proposed.messages)
    assert "räknas som ditt godkännande" in said
    assert not any(b.action == "agreement.accept" for m in proposed.messages for b in m.buttons)
    assert [d.kind for d in bot.received("bo", before) if d.kind == "agreement-proposal"] == []
    assert bot.button("anna", "agreement.accept")  # only the partner is asked
    (agreement,) = bot.record(Agreement)
    assert agreement.adept_accepted_at is not None and agreement.mentor_accepted_at is None
    done = bot.press("anna", "agreement.accept").messages[0].plain_text()
    assert "both" in done.lower() or "accepted" in done.lower()
    assert bot.record(Pair)[0].phase == Phase.ACTIVE


def test_every_agreement_keeps_the_no_fault_exit(bot: Bot) -> None:
    to_agreement_phase(bot)
    opened = bot.press("bo", "agreement.propose")
    assert opened.form is not None
    assert "exit" not in [f.name for f in opened.form.fields]  # nothing to opt out with
    bot.fill("bo", "agreement.propose", {"exit": "no"})
    assert [a.no_fault_exit for a in bot.record(Agreement)] == [True]
