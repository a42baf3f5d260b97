"""Invitations with consent, the intake form, and consent before anything else for `enroll`."""

from __future__ import annotations

from datetime import timedelta

from conversations.memory import InMemoryStore
from conversations.records import (
    AuditEntry,
    Enrolment,
    Invitation,
    InvitationStatus,
    Pair,
    Person,
    Programme,
)
from tests.conversations.harness import START, Bot, make_bot

SPRING = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'


def said(bot: Bot, who: str, line: str) -> str:
    return "\n".join(m.plain_text() for m in bot.say(who, line).messages)


def invited() -> Bot:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("kim", "bjud-in @bo @cia @dan som adept")
    bot.say("kim", "invite @anna as mentor")
    return bot


def test_an_invited_person_who_accepts_fills_the_intake_and_is_enrolled_with_consent() -> None:
    bot = invited()
    assert "En inbjudan till Vår 2027" in bot.texts_to("bo")
    assert not bot.record(Enrolment)  # nobody is enrolled by an invitation alone

    reply = bot.fill(
        "bo",
        "invitation.accept",
        {
            "topic_1": "feedback",
            "topic_2": "career",
            "details": "Att leda möten",
            "department": "Ekonomi",
            "manager": "@kim",
            "languages": "sv, engelska",
            "avoid": "@cia",
            "consent": "ja",
        },
    )
    assert not reply.errors, reply.errors
    assert "Välkommen! Du är med i Vår 2027 som adept." in reply.messages[0].plain_text()
    (enrolment,) = bot.record(Enrolment)
    kim, cia = (bot.record(Person, platform_user_id=w)[0] for w in ("kim", "cia"))
    assert enrolment.consent_at == START
    assert enrolment.wants_topics == ["feedback", "career"]
    assert (enrolment.manager_id, enrolment.avoid) == (kim.id, [cia.id])
    assert enrolment.languages == ["sv", "en"]
    assert enrolment.department == "Ekonomi" and enrolment.wants_to_learn == "Att leda möten"
    assert "Välkommen till Vår 2027" in bot.texts_to("bo")  # the welcome follows the consent


def test_the_intake_is_refused_without_consent_and_nothing_is_saved() -> None:
    bot = invited()
    reply = bot.fill("bo", "invitation.accept", {"consent": "nej", "manager": "@nobody"})
    assert reply.errors["consent"].startswith("Svara ja för att vara med")
    assert "nobody" in reply.errors["manager"]
    assert not bot.record(Enrolment)
    assert bot.record(Invitation, status=InvitationStatus.INVITED)


def test_declines_and_non_answers_are_counted_where_the_coordinator_lists_programmes() -> None:
    bot = invited()
    bot.fill("bo", "invitation.accept", {"consent": "ja"})
    declined = bot.press("cia", "invitation.decline")
    assert "Du är inte registrerad i Vår 2027." in declined.messages[0].plain_text()
    again = bot.press("cia", "invitation.accept")
    assert "redan svarat" in again.messages[0].plain_text()
    listing = said(bot, "kim", "program list")
    assert (
        "Inbjudningar: 4 skickade — 1 tackade ja, 1 tackade nej, 2 har inte svarat; 0 påminda."
        in listing
    )


def test_an_invitation_already_answered_or_a_second_one_is_not_sent_again() -> None:
    bot = invited()
    assert "redan inbjuden" in said(bot, "kim", "invite @bo as adept")
    assert len(bot.record(Invitation)) == 4


def test_enroll_asks_for_consent_before_anything_else_reaches_the_person() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    (asked,) = bot.received("bo")
    assert asked.kind == "consent"
    assert "godkänner du hur programmet använder dina uppgifter" in asked.message.plain_text()

    refused = said(bot, "kim", "pair @anna @bo")
    assert "inte godkänt" in refused
    assert not bot.record(Pair) and len(bot.received("bo")) == 1  # still only the question

    bot.press("anna", "enrolment.consent")
    done = bot.press("bo", "enrolment.consent")
    assert "Tack. Du är med i Vår 2027 som adept." in done.messages[0].plain_text()
    assert bot.record(Enrolment, person_id=bot.record(Person, platform_user_id="bo")[0].id)[
        0
    ].consent_at
    assert "Välkommen till Vår 2027" in bot.texts_to("bo")
    assert "Båda får en introduktion" in said(bot, "kim", "pair @anna @bo")


def test_a_declined_consent_leaves_the_person_out() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("kim", "enroll @bo as adept")
    bot.press("bo", "enrolment.decline")
    assert "inte med i Vår 2027" in bot.texts_to("bo")
    assert "Välkommen" not in bot.texts_to("bo")
    assert "redan svarat" in bot.press("bo", "enrolment.consent").messages[0].plain_text()


def test_invitations_speak_the_invitees_language() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    bot.say("amy", "help")
    bot.fill("amy", "settings.open", {"language": "en"}, value="")
    bot.say("kim", "invite @amy as mentor")
    text = bot.texts_to("amy")
    assert "An invitation to Vår 2027" in text and "Yes, I'd like to take part" in text
    opened = bot.press("amy", "invitation.accept")
    assert opened.form is not None
    labels = " ".join(f.label for f in opened.form.fields)
    assert "Time zone" in labels and "Tidszon" not in labels
    topics = next(f for f in opened.form.fields if f.name == "topic_1").choices
    assert "Leadership" in [c.label for c in topics]


def test_invite_is_audited() -> None:
    bot = invited()
    actions = [a.action for a in bot.record(AuditEntry)]
    assert actions.count("invitation.sent") == 4


def test_the_programmes_topics_are_what_the_intake_offers() -> None:
    bot = make_bot(InMemoryStore())
    bot.say(
        "kim",
        'program ny "Chefer 2027" --syfte ledarskap --start 2027-01-11 --slut 2027-06-13 '
        '--ämnen "Ledarskap, Feedback; Svåra samtal, feedback"',
    )
    (programme,) = bot.record(Programme)
    assert programme.topics == ["Ledarskap", "Feedback", "Svåra samtal"]
    bot.say("kim", "bjud-in @bo som adept")
    opened = bot.press("bo", "invitation.accept")
    assert opened.form is not None
    (topic,) = [f for f in opened.form.fields if f.name == "topic_1"]
    assert [c.label for c in topic.choices] == ["Ledarskap", "Feedback", "Svåra samtal"]
    refused = said(
        bot,
        "kim",
        'program ny "X" --syfte ledarskap --start 2027-01-11 --slut 2027-06-13 --topix a',
    )
    assert "--ämnen" in refused and "--topix" in refused


def test_one_reminder_goes_to_whoever_has_not_answered_and_none_to_those_who_did() -> None:
    bot = invited()
    bot.press("cia", "invitation.decline")
    bot.advance(timedelta(days=6), step=timedelta(hours=6))
    reminded = {
        who for who in ("anna", "bo", "cia", "dan") if "invitation-reminder" in bot.kinds_to(who)
    }
    assert reminded == {"anna", "bo", "dan"}
    assert "du har inte svarat på inbjudan än" in bot.texts_to("bo")
    bot.advance(timedelta(days=14), step=timedelta(hours=12))
    assert bot.kinds_to("bo").count("invitation-reminder") == 1  # once


def test_enrolling_an_invited_person_by_hand_closes_the_invitation() -> None:
    bot = invited()
    enrolled = said(bot, "kim", "registrera @bo som adept")  # before bo answered
    assert "Inbjudan som bo inte hade svarat på är stängd" in enrolled
    assert bot.record(Invitation, status=InvitationStatus.ENROLLED)
    (home,) = bot.say("bo", "hem").messages
    labels = [b.label for b in home.buttons]
    assert "Jag godkänner" in labels and "Ja, jag vill vara med" not in labels  # one question
    bot.advance(timedelta(days=6), step=timedelta(hours=6))
    assert "invitation-reminder" not in bot.kinds_to("bo")  # the others are reminded
    assert "invitation-reminder" in bot.kinds_to("cia")
    # The invitation's own buttons, still in bo's messages, say what happened instead.
    late = bot.press("bo", "invitation.accept")
    said_then, question = late.messages
    assert "En koordinator har redan registrerat dig i Vår 2027" in said_then.plain_text()
    assert [b.label for b in question.buttons] == ["Jag godkänner", "Nej tack"]
    (enrolment,) = bot.record(Enrolment)
    agree = bot.press("bo", "enrolment.consent", str(enrolment.id))
    assert "Du är med i Vår 2027 som adept" in agree.messages[0].plain_text()
    assert bot.texts_to("bo").count("Välkommen till Vår 2027") == 1
    assert len(bot.record(Enrolment)) == 1
    assert "redan registrerat dig" in bot.press("bo", "invitation.decline").messages[0].plain_text()
    assert len(bot.press("bo", "invitation.accept").messages) == 1  # agreed: no question again
    listing = said(bot, "kim", "program list")
    assert "3 har inte svarat; 3 påminda. 1 registrerades för hand innan hen svarade." in listing


def test_enrolling_a_person_whose_invitation_was_answered_leaves_it_as_it_is() -> None:
    bot = invited()
    bot.press("cia", "invitation.decline")
    enrolled = said(bot, "kim", "enroll @cia as adept")  # a coordinator may still enrol her
    assert "is closed" not in enrolled
    assert bot.record(Invitation, status=InvitationStatus.DECLINED)


def _invitation_left_open(bot: Bot) -> None:
    """The state a coordinator's `enroll` left before it closed the invitation (or that a
    turn sees when the two run at the same moment): an open invitation beside the enrolment."""
    bot.say("kim", "registrera @bo som adept")
    with bot.store.transaction() as repo:
        (closed,) = repo.find(Invitation, status=InvitationStatus.ENROLLED)
        repo.update(closed.model_copy(update={"status": InvitationStatus.INVITED}))


def test_an_invitation_left_open_beside_an_enrolment_fills_that_enrolment_in() -> None:
    bot = invited()
    _invitation_left_open(bot)
    reply = bot.fill("bo", "invitation.accept", {"topic_1": "feedback", "consent": "ja"})
    assert not reply.errors, reply.errors
    assert "Välkommen! Du är med i Vår 2027 som adept." in reply.messages[0].plain_text()
    (enrolment,) = bot.record(Enrolment)  # their answers fill in the one enrolment
    assert enrolment.consent_at == START and enrolment.wants_topics == ["feedback"]
    assert bot.texts_to("bo").count("Välkommen till Vår 2027") == 1
    # The consent question of the enrolment by hand is answered by the intake's consent.
    late = bot.press("bo", "enrolment.consent", str(enrolment.id))
    assert "Välkommen till" not in late.messages[0].plain_text()
    assert bot.texts_to("bo").count("Välkommen till Vår 2027") == 1


def test_an_enrolment_agreed_to_keeps_its_role_when_the_invitation_is_accepted_later() -> None:
    bot = invited()
    _invitation_left_open(bot)
    (enrolment,) = bot.record(Enrolment)
    bot.press("bo", "enrolment.consent", str(enrolment.id))
    agreed = bot.record(Enrolment)[0].consent_at
    reply = bot.fill(
        "bo", "invitation.accept", {"role": "mentor", "capacity": "2", "consent": "ja"}
    )
    assert not reply.errors, reply.errors
    assert "Du är med i Vår 2027 som adept." in reply.messages[0].plain_text()
    (kept,) = bot.record(Enrolment)
    assert (kept.role, kept.capacity, kept.consent_at) == (enrolment.role, 1, agreed)
    assert bot.texts_to("bo").count("Välkommen till Vår 2027") == 1  # not welcomed twice
    assert bot.record(Invitation, status=InvitationStatus.ACCEPTED)
