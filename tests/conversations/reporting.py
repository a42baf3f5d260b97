"""A whole programme to report on, driven through neutral events only: three pairs and an
adept never paired, with meetings held, missed and unconfirmed, goals rated at the start and
at the mid-point, agreements, journals, check-ins, preparations, reviews and closings. Every
text anyone writes carries a unique marker, so a report can be searched for each of them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.events import FormSubmitted
from conversations.records import Goal, Pair, Person, Programme
from conversations.refs import PulseRef
from conversations.reports.facts import ProgrammeFacts, load_facts
from conversations.scoping import LOCAL, WorkspaceRepo
from tests.conversations.harness import Bot, consent

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Private texts: none of these may appear in any report.
PRIVATE = {
    "journal": "MARKER-JOURNAL-5b1e",
    "checkin_raised": "MARKER-CHECKIN-RAISED-2c7d",
    "checkin_try": "MARKER-CHECKIN-TRY-9a0f",
    "preparation": "MARKER-PREP-47e3",
    "goal_text": "MARKER-GOAL-TEXT-d1c8",
    "goal_signal": "MARKER-GOAL-SIGNAL-66ab",
    "goal_comment": "MARKER-GOAL-COMMENT-0e95",
    "agreement_confidentiality": "MARKER-AGREEMENT-CONF-3f20",
    "agreement_ethics": "MARKER-AGREEMENT-ETHICS-8b4c",
    "agreement_mentor": "MARKER-AGREEMENT-MENTOR-c5d1",
    "agreement_adept": "MARKER-AGREEMENT-ADEPT-7e02",
    "meeting_place": "MARKER-PLACE-a9f6",
    "midpoint_working": "MARKER-MIDPOINT-14bd",
    "closing_learned": "MARKER-LEARNED-f3e8",
    "enrol_wants": "MARKER-WANTS-2a6c",
    "enrol_offers": "MARKER-OFFERS-b80e",
    "enrol_department": "MARKER-DEPT-5c3a",
    "end_note": "MARKER-ENDNOTE-91d4",
    "pulse_comment": "MARKER-PULSE-COMMENT-4d2f",
}
# The closing reviews' feedback to the programme: the one text the summary shows.
FEEDBACK = {
    "bo": "MARKER-FEEDBACK-1-ee01 Tack Anna för stödet",
    "anna": "MARKER-FEEDBACK-2-ee02 Påminnelserna hjälpte",
    "david": "MARKER-FEEDBACK-3-ee03 Mer tid för mötena",
}
FEEDBACK_MARKERS = {who: text.split()[0] for who, text in FEEDBACK.items()}

PAIRS = (("anna", "bo"), ("cecilia", "david"), ("erik", "fia"))
NEVER_PAIRED = "gustav"
REPORT_AT = datetime(2027, 4, 12, 8, 0, tzinfo=UTC)  # a week after the programme's end


@dataclass(frozen=True)
class Built:
    bot: Bot
    facts: ProgrammeFacts
    pair_ids: dict[str, int]  # adept's name -> pair id
    logs: tuple[str, ...] = ()  # every log line written while it was built


def book(bot: Bot, adept: str, when: str, place: str = "") -> None:
    bot.fill(adept, "meeting.book", {"when": when, "place": place})


def check_in(bot: Bot, who: str, met: bool, *, raised: str = "", will_try: str = "") -> None:
    """``checkin``: the form for the pair's latest meeting, filled in and sent."""
    form = bot.say(who, "checkin").form
    assert form is not None
    values = {f.name: f.initial for f in form.fields}
    values.update({"met": "yes" if met else "no", "raised": raised, "will_try": will_try})
    reply = bot.act(who, FormSubmitted(form_id=form.form_id, values=values, context=form.context))
    assert not reply.errors, reply.errors


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def build_programme(bot: Bot) -> Built:
    """The programme, with every log line written meanwhile (``Built.logs``)."""
    lines = _Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(lines)
    root.setLevel(logging.DEBUG)
    try:
        built = _build(bot)
    finally:
        root.removeHandler(lines)
        root.setLevel(level)
    return Built(built.bot, built.facts, built.pair_ids, tuple(lines.lines))


def _build(bot: Bot) -> Built:
    bot.say(
        "kim",
        'program new "Ledare 2027" --purpose leadership,retention --start 2027-01-11 --end 2027-04-04',
    )
    bot.say(
        "kim",
        f"enroll @bo as adept --wants {PRIVATE['enrol_wants']} --offers {PRIVATE['enrol_offers']} "
        f"--department {PRIVATE['enrol_department']}",
    )
    bot.say("kim", "enroll @anna @cecilia @erik as mentor")
    bot.say("kim", f"enroll @david @fia @{NEVER_PAIRED} as adept")
    consent(bot, "bo", "anna", "cecilia", "erik", "david", "fia", NEVER_PAIRED)
    consent(bot, "bo", "anna", "cecilia", "erik", "david", "fia", NEVER_PAIRED)
    for mentor, adept in PAIRS:
        bot.say("kim", f"pair @{mentor} @{adept}")
    names = {p.id: p.platform_user_id for p in bot.record(Person)}
    by_adept = {names[p.adept_id]: p.id or 0 for p in bot.record(Pair)}

    # Week 1: the first two pairs book their first meeting for Thursday 14 January (goal
    # setting begins); bo prepares the day before; anna and bo meet, cecilia and david do not.
    bot.clock.set(datetime(2027, 1, 12, 7, 0, tzinfo=UTC))
    book(bot, "bo", "2027-01-14 10:00", PRIVATE["meeting_place"])
    book(bot, "david", "2027-01-14 10:00")
    bot.advance(timedelta(days=1, hours=4))  # Wednesday 11:00 UTC
    bot.fill("bo", "prep.answer", {"challenge": PRIVATE["preparation"]})
    bot.advance(timedelta(days=1, hours=2))  # Thursday 13:00 UTC: the meetings are over
    check_in(bot, "bo", True, raised=PRIVATE["checkin_raised"], will_try=PRIVATE["checkin_try"])
    check_in(bot, "anna", True, raised="Mål")
    check_in(bot, "david", False)
    check_in(bot, "cecilia", False)

    # Week 2: the third pair books (a meeting nobody checks in on: unconfirmed); bo's goals,
    # each with a self-rating, are confirmed by anna (with a comment).
    bot.clock.set(datetime(2027, 1, 18, 8, 0, tzinfo=UTC))
    book(bot, "fia", "2027-01-20 10:00")
    bot.clock.set(datetime(2027, 1, 19, 8, 0, tzinfo=UTC))
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": PRIVATE["goal_text"],
            "goal1_signal": PRIVATE["goal_signal"],
            "goal1_date": "2027-03-31",
            "goal1_rating": "2",
            "goal2_text": "Leda möten",
            "goal2_signal": "Två möten",
            "goal2_date": "2027-03-31",
            "goal2_rating": "3",
        },
    )
    goals = sorted(bot.record(Goal, pair_id=by_adept["bo"]), key=lambda g: g.position)
    bot.fill(
        "anna", "goals.comment", {"goal": str(goals[0].id), "comment": PRIVATE["goal_comment"]}
    )
    bot.press("anna", "goals.confirm")

    # The two pairs whose first meeting did not take place (or was never confirmed) meet
    # again, and that opens their goal setting (it follows the first meeting held).
    bot.clock.set(datetime(2027, 1, 21, 8, 0, tzinfo=UTC))
    book(bot, "david", "2027-01-22 10:00")
    book(bot, "fia", "2027-01-25 10:00")
    bot.clock.set(datetime(2027, 1, 22, 13, 0, tzinfo=UTC))
    check_in(bot, "david", True, raised="Delegering")
    bot.clock.set(datetime(2027, 1, 25, 13, 0, tzinfo=UTC))
    check_in(bot, "fia", True, raised="Delegering")

    # Week 3: the first two pairs accept their agreements (under way); the third confirms
    # its goals. Week 4: the third pair's agreement.
    bot.clock.set(datetime(2027, 1, 26, 8, 0, tzinfo=UTC))
    bot.fill(
        "anna",
        "agreement.propose",
        {
            "confidentiality": PRIVATE["agreement_confidentiality"],
            "ethics": PRIVATE["agreement_ethics"],
            "mentor_resp": PRIVATE["agreement_mentor"],
            "adept_resp": PRIVATE["agreement_adept"],
        },
    )
    for mentor, adept, rating in (("cecilia", "david", "1"), ("erik", "fia", "4")):
        bot.fill(
            adept,
            "goals.draft",
            {
                "goal1_text": "Delegera",
                "goal1_signal": "Varje vecka",
                "goal1_date": "2027-03-31",
                "goal1_rating": rating,
            },
        )
        bot.press(mentor, "goals.confirm")
    bot.fill("cecilia", "agreement.propose", {})
    for adept in ("bo", "david"):  # the mentors proposed: that was their acceptance
        bot.press(adept, "agreement.accept")
    bot.clock.set(datetime(2027, 2, 2, 8, 0, tzinfo=UTC))
    bot.fill("erik", "agreement.propose", {})
    bot.press("fia", "agreement.accept")

    # A journal entry; a second meeting held by the first pair.
    bot.say("bo", "reflect")
    bot.type("bo", PRIVATE["journal"])
    book(bot, "bo", "2027-02-03 10:00")  # week 4
    bot.clock.set(datetime(2027, 2, 3, 13, 0, tzinfo=UTC))
    check_in(bot, "anna", True, raised="Delegering")
    check_in(bot, "bo", True, raised="Delegering")

    # Mid-point: bo rates both goals again (2 -> 4, 3 -> 3).
    bot.clock.set(datetime(2027, 2, 22, 8, 0, tzinfo=UTC))
    bot.say("bo", "utvärdering halvtid")
    bot.fill(
        "bo",
        "review.midpoint",
        {
            f"rate_{goals[0].id}": "4",
            f"rate_{goals[1].id}": "3",
            "working": PRIVATE["midpoint_working"],
        },
    )
    bot.say("david", "utvärdering halvtid")
    bot.fill(
        "david",
        "review.midpoint",
        {"rate_" + _only_goal(bot, by_adept["david"]): "3", "working": "Bra"},
    )

    # The relationship pulse: bo answers with a comment (never shown to a coordinator).
    bot.act(
        "bo",
        FormSubmitted(
            form_id="pulse",
            values={"rating": "2", "comment": PRIVATE["pulse_comment"]},
            context=PulseRef(by_adept["bo"], 1).encode(),
        ),
    )

    # Closing: bo's review opens the first pair's closing phase in week 11; in week 12 two
    # pairs complete and the coordinator ends the third early.
    bot.clock.set(datetime(2027, 3, 23, 8, 0, tzinfo=UTC))
    outcomes = {
        "bo": {f"goal_{goals[0].id}": "achieved", f"goal_{goals[1].id}": "partly"},
        "david": {"goal_" + _only_goal(bot, by_adept["david"]): "not-achieved"},
    }
    for who in ("bo", "anna", "david", "cecilia"):
        bot.say(who, "utvärdering avslut")
        answers = {"learned": PRIVATE["closing_learned"] if who == "bo" else "Tålamod"}
        answers.update(outcomes.get(who, {}))
        answers["feedback"] = FEEDBACK.get(who, "")
        reply = bot.fill(who, "review.closing", answers)
        assert not reply.errors, reply.errors
        bot.clock.set(datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    bot.say("kim", f"end @fia ended-early {PRIVATE['end_note']}")

    bot.clock.set(REPORT_AT)
    return Built(bot, facts_of(bot), by_adept)


def _only_goal(bot: Bot, pair_id: int) -> str:
    (goal,) = bot.record(Goal, pair_id=pair_id)
    return str(goal.id)


def facts_of(bot: Bot) -> ProgrammeFacts:
    """What the report reads, through the workspace's view of the store, as a turn would."""
    with bot.store.transaction() as repo:
        scoped = WorkspaceRepo(repo, LOCAL)
        (programme,) = scoped.find(Programme)
        return load_facts(scoped, programme, bot.clock.now())
