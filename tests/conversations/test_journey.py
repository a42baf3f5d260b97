"""A whole pair journey through neutral events only: enrolment to closing, with an amended
agreement re-accepted by both, a pause that silences prompts until its end date, and private
texts that never reach anyone but their author (and, for check-ins, the pair)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conversations.records import Agreement, CheckIn, Pair, Phase, Reflection
from tests.conversations.harness import Bot, paired

JOURNAL_ANNA = "MARKER-JOURNAL-ANNA-7f3a"
JOURNAL_BO = "MARKER-JOURNAL-BO-91c2"
CHECKIN_ANNA = "MARKER-CHECKIN-ANNA-44d1"
CHECKIN_BO = "MARKER-CHECKIN-BO-08be"
PREP_BO = "MARKER-PREP-BO-5e6f"
CLOSING_BO = "MARKER-CLOSING-BO-c0de"


def only_to(bot: Bot, marker: str, allowed: set[str]) -> None:
    seen = [d for d in bot.transcript if marker in d.message.plain_text()]
    assert seen, f"{marker} never appeared at all: the test would prove nothing"
    for delivered in seen:
        assert delivered.to <= allowed, f"{marker} was sent to {set(delivered.to)}"


def test_a_pair_from_enrolment_to_closing(bot: Bot) -> None:
    paired(bot)
    # Introduction: one group message to both, with the first-meeting guide, then a DM each.
    intro = [d for d in bot.transcript if d.kind == "intro" and d.to == {"anna", "bo"}]
    assert len(intro) == 1
    guide = intro[0].message.plain_text()
    assert "minst 60 minuter" in guide and "styrkor och svagheter" in guide
    assert {"anna", "bo"} <= {
        next(iter(d.to)) for d in bot.transcript if d.kind == "intro" and len(d.to) == 1
    }

    # The adept books the first meeting: the pair moves on to goals.
    booked = bot.fill(
        "bo", "meeting.book", {"when": "2027-01-14 10:00", "place": "Mentorns kontor"}
    )
    assert "Bokat" in booked.messages[0].plain_text()
    assert "anna" in {w for d in bot.received("anna") for w in d.to}
    # Goal setting waits for the first meeting to take place (not for its booking).
    assert bot.record(Pair)[0].phase == Phase.INTRO
    assert "goals-invitation" not in bot.kinds_to("bo")

    # Before the meeting: the adept is asked which challenge to bring; the mentor sees it.
    bot.advance(timedelta(days=2, hours=3))  # Wednesday 11:00, a day before the meeting
    assert "preparation-prompt" in bot.kinds_to("bo")
    assert "meeting-reminder" in bot.kinds_to("anna")
    saved = bot.fill("bo", "prep.answer", {"challenge": PREP_BO})
    assert "Tack" in saved.messages[0].plain_text()
    assert PREP_BO in bot.texts_to("anna")

    # After the meeting: a check-in prompt to each; both check in.
    bot.advance(timedelta(days=1, hours=3))  # Thursday 14:00, after the meeting
    assert "checkin-prompt" in bot.kinds_to("anna") and "checkin-prompt" in bot.kinds_to("bo")
    for who, marker in (("bo", CHECKIN_BO), ("anna", CHECKIN_ANNA)):
        reply = bot.fill(
            "bo" if who == "bo" else "anna",
            "checkin.open",
            {"met": "yes", "raised": marker, "will_try": "Öva", "usefulness": "4"},
        )
        assert not reply.errors
    assert len(bot.record(CheckIn)) == 2
    assert bot.record(Pair)[0].phase == Phase.GOALS
    assert "goals-invitation" in bot.kinds_to("bo")

    # Goals: the adept drafts, the mentor confirms; then the agreement, accepted by both.
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": "Hålla medarbetarsamtal",
            "goal1_signal": "Alla hållna i mars",
            "goal1_date": "2027-03-31",
            "goal1_rating": "2",
        },
    )
    bot.press("anna", "goals.confirm")
    assert bot.record(Pair)[0].phase == Phase.AGREEMENT
    bot.fill("anna", "agreement.propose", {})  # proposing is anna's acceptance
    assert bot.record(Pair)[0].phase == Phase.AGREEMENT  # one acceptance is not enough
    bot.press("bo", "agreement.accept")
    assert bot.record(Pair)[0].phase == Phase.ACTIVE

    # Weekly reflection: a private journal entry each, typed as a reply to the prompt.
    bot.advance(timedelta(days=1))  # Friday 14:00 is the default reflection time
    assert "reflection-prompt" in bot.kinds_to("anna") and "reflection-prompt" in bot.kinds_to("bo")
    bot.type("anna", JOURNAL_ANNA)
    bot.type("bo", JOURNAL_BO)
    assert {r.text for r in bot.record(Reflection)} == {JOURNAL_ANNA, JOURNAL_BO}
    assert JOURNAL_BO in bot.say("bo", "journal").messages[0].plain_text()

    # A pause: nothing reaches bo until the day after its end date; then prompts resume.
    until = date(2027, 2, 7)
    bot.say("bo", f"pause {until.isoformat()}")
    assert "bo är borta" in bot.texts_to("anna")
    mark = len(bot.transcript)
    bot.advance(timedelta(days=22), step=timedelta(hours=3))  # to Sunday 7 February
    nudges_to_bo = [d for d in bot.received("bo", mark) if d.kind != "reply"]
    assert nudges_to_bo == [], [d.kind for d in nudges_to_bo]
    assert "reflection-prompt" in bot.kinds_to("anna", mark)  # anna was not paused
    mark = len(bot.transcript)
    bot.advance(timedelta(days=6), step=timedelta(hours=3))
    assert "reflection-prompt" in bot.kinds_to("bo", mark)

    # An amendment: a new version both must accept again; the old one holds meanwhile.
    bot.fill("anna", "agreement.propose", {"cadence": "21"})
    bot.fill("bo", "agreement.propose", {"cadence": "30"})  # a counter-proposal replaces v2
    stale = bot.press("bo", "agreement.accept", bot.button("bo", "agreement.accept", "2:2").value)
    assert "ersatts av version 3" in stale.messages[0].plain_text()
    in_force = [a for a in bot.record(Agreement) if a.accepted and a.superseded_at is None]
    assert [a.number for a in in_force] == [1]
    bot.press("anna", "agreement.accept", bot.button("anna", "agreement.accept", "3:3").value)
    agreements = {a.number: a for a in bot.record(Agreement)}
    assert agreements[3].accepted and agreements[3].superseded_at is None
    assert agreements[1].superseded_at is not None and agreements[2].superseded_at is not None
    assert (
        "version 3 gäller" in bot.say("anna", "avtal").messages[0].plain_text()
        or "Gäller" in bot.say("anna", "avtal").messages[0].plain_text()
    )

    # Mid-point and closing reviews; the pair completes.
    bot.clock.set(bot.clock.now() + timedelta(days=10))
    bot.advance(timedelta(days=1))
    bot.fill("bo", "review.midpoint", {"working": "Bra", "adjust": "keep"})
    bot.fill("anna", "review.midpoint", {"working": "Bra", "adjust": "keep"})
    bot.clock.set(datetime(2027, 3, 26, 7, tzinfo=UTC))  # nine days before the end (4 April)
    bot.advance(timedelta(days=4))
    assert "closing-review" in bot.kinds_to("bo")
    bot.fill("bo", "review.closing", {"learned": CLOSING_BO, "new_mentor": "yes"})
    assert bot.record(Pair)[0].phase == Phase.CLOSING
    bot.fill("anna", "review.closing", {"learned": "Tålamod"})
    pair = bot.record(Pair)[0]
    assert pair.phase == Phase.COMPLETED and pair.end_reason == "completed"
    assert "vill ha en ny mentor" in bot.texts_to("kim")

    # The coordinator sees counts and dates only.
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "2 incheckningar" in status and "slutförd 1" in status

    # The authors can read their own texts back; the pair reads its check-ins.
    assert JOURNAL_ANNA in bot.say("anna", "journal").messages[0].plain_text()
    assert CLOSING_BO in bot.say("bo", "my-data").messages[0].plain_text()
    assert CHECKIN_ANNA in bot.texts_to("bo") and CHECKIN_BO in bot.texts_to("anna")

    # Nobody but the author (and the pair, for check-ins and preparation) ever saw the texts.
    only_to(bot, JOURNAL_ANNA, {"anna"})
    only_to(bot, JOURNAL_BO, {"bo"})
    only_to(bot, CHECKIN_ANNA, {"anna", "bo"})
    only_to(bot, CHECKIN_BO, {"anna", "bo"})
    only_to(bot, PREP_BO, {"anna", "bo"})
    only_to(bot, CLOSING_BO, {"anna", "bo"})
    for marker in (JOURNAL_ANNA, JOURNAL_BO, CHECKIN_ANNA, CHECKIN_BO, PREP_BO, CLOSING_BO):
        assert marker not in bot.texts_to("kim")


def test_my_data_shows_my_own_entries_only(bot: Bot) -> None:
    paired(bot)
    bot.say("anna", "reflect")
    bot.type("anna", JOURNAL_ANNA)
    bot.say("bo", "reflektion")
    bot.type("bo", JOURNAL_BO)
    export = bot.say("bo", "my-data").messages[0].plain_text()
    assert JOURNAL_BO in export and JOURNAL_ANNA not in export


def test_forget_me_erases_private_texts_and_ends_the_pair(bot: Bot) -> None:
    paired(bot)
    bot.say("bo", "reflect")
    bot.type("bo", JOURNAL_BO)
    bot.say("bo", "glöm-mig")
    bot.press("bo", "forget.confirm")
    assert bot.record(Reflection) == []
    assert bot.record(Pair)[0].phase == Phase.ENDED_EARLY
    assert "lämnat programmet" in bot.texts_to("anna")
