"""A programme's dates rule: nothing reaches a pair before its start date, no deadline or stall
clock runs before it, its statistics count from it, and creating a programme asks for dates
instead of assuming them (fake clock, across the start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.events import FormSubmitted
from conversations.memory import InMemoryStore
from conversations.records import OutboxItem, Pair, Person, Phase, Programme
from tests.conversations.harness import START, Bot, Delivered, consent, make_bot

FUTURE = 'program new "Vår 2027" --purpose onboarding --start 2027-02-15 --end 2027-06-15'
STARTS = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)  # Monday 15 February, 08:00 in Stockholm
NEW_YORK = ZoneInfo("America/New_York")


def paired_a_month_early(bot: Bot, *, anna_in_new_york: bool = False) -> int:
    """A programme starting on 15 February, and a pair enrolled and paired on 11 January.
    Returns how much of the transcript was there before the pairing's consequences."""
    if anna_in_new_york:
        bot.say("anna", "help")
        bot.fill("anna", "settings.open", {"timezone": "America/New_York"}, value="")
    mark = len(bot.transcript)
    bot.say("kim", FUTURE)
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    bot.say("kim", "pair @anna @bo")
    return mark


def programme_part(bot: Bot, who: str, mark: int) -> list[Delivered]:
    """What the programme sent ``who`` since ``mark``: not the question whether they agree
    to its data use (asked at once, before its start, so they can be paired by then) and
    their own answer to it."""
    return [d for d in bot.received(who, mark) if d.kind not in ("consent", "reply")]


def test_nothing_reaches_the_pair_before_the_start_date_then_the_introduction_in_working_hours() -> (
    None
):
    bot = make_bot(InMemoryStore())
    mark = paired_a_month_early(bot, anna_in_new_york=True)
    told = bot.texts_to("kim", mark)
    assert "Inget når deltagarna före 15 februari 2027" in told  # said when it was created
    assert "Deras introduktion kommer 15 februari 2027" in told  # and when they were paired

    bot.advance(STARTS - START - timedelta(hours=1), step=timedelta(hours=6))
    assert programme_part(bot, "anna", mark) == [] and programme_part(bot, "bo", mark) == []
    assert "coordinator-digest" not in bot.kinds_to("kim", mark)  # figures count from the start

    # 15 February 2027 is Presidents' Day: anna, in New York, has US holidays (her time
    # zone's country), so what is hers waits for Tuesday.
    bot.advance(timedelta(days=2), step=timedelta(hours=1))
    to_bo, to_anna = programme_part(bot, "bo", mark), programme_part(bot, "anna", mark)
    assert sorted(d.kind for d in to_bo) == ["intro", "intro", "notice"]  # DM, group, welcome
    assert sorted(d.kind for d in to_anna) == ["intro", "intro", "notice"]
    # Each on the start date (or after anna's holiday), in their own working hours: bo at
    # 08:00 in Stockholm; anna's welcome and own part at 08:00 in New York on Tuesday, and the
    # pair's group message when both are.
    assert all(d.at.astimezone(ZoneInfo("Europe/Stockholm")).hour >= 8 for d in to_bo)
    assert min(d.at for d in to_bo) == STARTS
    for delivered in to_anna:
        local = delivered.at.astimezone(NEW_YORK)
        assert local.date().isoformat() == "2027-02-16" and 8 <= local.hour < 17
    (group,) = [d for d in to_bo if d.to == {"anna", "bo"}]
    assert group.at.astimezone(NEW_YORK).hour == 8
    assert "Möt din mentorpartner" in group.message.plain_text()


def test_deadlines_and_the_stall_clock_count_from_the_start_not_from_the_pairing() -> None:
    bot = make_bot(InMemoryStore())
    mark = paired_a_month_early(bot)
    (pair,) = bot.record(Pair)
    assert pair.introduced_at == pair.phase_since == STARTS  # introduced when it arrives

    # No first meeting booked: the reminder comes ten days after the start, not the pairing.
    bot.advance(STARTS + timedelta(days=9) - START, step=timedelta(hours=6))
    assert "phase-deadline" not in bot.kinds_to("bo", mark)
    assert "Startar" not in bot.say("kim", "status").messages[0].plain_text()
    bot.advance(timedelta(days=2), step=timedelta(hours=1))
    assert "phase-deadline" in bot.kinds_to("bo", mark)


def test_a_pair_paired_before_this_rule_still_counts_its_deadlines_from_the_start() -> None:
    """A pair whose record says it was introduced at the pairing (made before pairs waited
    for the start date): the planner still runs no clock before the start."""
    bot = make_bot(InMemoryStore())
    paired_a_month_early(bot)
    with bot.store.transaction() as repo:
        (pair,) = repo.find(Pair)
        repo.update(pair.model_copy(update={"introduced_at": START, "phase_since": START}))
    mark = len(bot.transcript)
    bot.advance(STARTS + timedelta(days=9) - START, step=timedelta(hours=6))
    assert "phase-deadline" not in bot.kinds_to("bo", mark)
    bot.advance(timedelta(days=2), step=timedelta(hours=1))
    assert "phase-deadline" in bot.kinds_to("bo", mark)


def test_statistics_count_from_the_start_date() -> None:
    bot = make_bot(InMemoryStore())
    paired_a_month_early(bot)
    bot.say("bo", "reflect")
    bot.type("bo", "Skrivet före programmets start.")
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "Startar 15 februari 2027: inget når deltagarna före dess." in status
    assert "0 dagboksanteckningar skrivna" in status
    bot.advance(STARTS + timedelta(days=1) - START, step=timedelta(hours=12))
    bot.say("bo", "reflect")
    bot.type("bo", "Skrivet efter starten.")
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "1 dagboksanteckning skriven" in status and "Startar" not in status


def test_a_pair_ended_before_the_start_is_withdrawn_without_a_word_to_its_members() -> None:
    bot = make_bot(InMemoryStore())
    mark = paired_a_month_early(bot)
    ended = bot.say("kim", "avsluta @anna @bo avbruten")
    assert "Avslutade 1 par" in ended.messages[0].plain_text()
    bot.advance(STARTS + timedelta(days=1) - START, step=timedelta(hours=6))
    assert [d.kind for d in programme_part(bot, "bo", mark)] == ["notice"]  # the welcome
    assert "Möt din mentorpartner" not in bot.texts_to("bo", mark)
    assert "avslutat" not in bot.texts_to("bo", mark)


def test_a_programme_that_has_started_introduces_at_once_as_before() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", 'program new "Nu" --purpose career --start 2027-01-11 --end 2027-05-01')
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    reply = bot.say("kim", "pair @anna @bo")
    assert "Båda får en introduktion" in reply.messages[0].plain_text()
    assert "intro" in bot.kinds_to("bo")
    (pair,) = bot.record(Pair)
    assert pair.introduced_at == START


# Creating a programme: dates are asked for, never assumed ----------------------------------


def test_a_programme_without_dates_is_asked_for_them_prefilled_with_what_was_typed() -> None:
    bot = make_bot(InMemoryStore())
    reply = bot.say("kim", 'program ny "Vår 2027" --syfte introduktion --slut 12v')
    assert reply.form is not None and bot.record(Programme) == []  # nothing assumed
    initial = {f.name: f.initial for f in reply.form.fields}
    assert initial["name"] == "Vår 2027" and initial["purpose"] == "introduktion"
    assert initial["start"] == "" and initial["end"] == "2027-04-05"  # 12 weeks, as a date
    kinds = {f.name: f.kind for f in reply.form.fields}
    assert kinds["start"] == kinds["end"] == "date"
    shown = " ".join(f"{f.label} {f.hint}" for f in reply.form.fields) + reply.form.intro
    assert "onboarding" not in shown and "introduktion" in shown  # the reader's words only

    values = initial | {"start": "2027-02-15"}
    done = bot.act("kim", FormSubmitted(form_id=reply.form.form_id, values=values))
    assert not done.errors
    (programme,) = bot.record(Programme)
    assert (programme.starts_on.isoformat(), programme.ends_on.isoformat()) == (
        "2027-02-15",
        "2027-04-05",
    )
    assert "Skapade *Vår 2027*" in done.messages[0].plain_text()


def test_a_programme_form_with_an_end_too_soon_is_refused_on_that_field() -> None:
    bot = make_bot(InMemoryStore())
    reply = bot.say("kim", 'program new "Kort"')
    assert reply.form is not None
    values = {f.name: f.initial for f in reply.form.fields} | {
        "purpose": "karriär",
        "start": "2027-02-01",
        "end": "2027-02-10",
    }
    refused = bot.act("kim", FormSubmitted(form_id=reply.form.form_id, values=values))
    assert set(refused.errors) == {"end"} and "fyra veckor" in refused.errors["end"]
    assert bot.record(Programme) == []


def test_a_typed_programme_with_a_bad_date_says_which_field() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    reply = bot.say(
        "kim", 'program new "Spring" --purpose career --start 2027-02-30 --end 2027-06-01'
    )
    said = reply.messages[0].plain_text()
    assert said.startswith("Start date") and "2027-02-30" in said
    assert bot.record(Programme) == []


def test_the_start_date_is_kept_on_the_outbox_rows_of_the_welcome() -> None:
    bot = make_bot(InMemoryStore())
    paired_a_month_early(bot)
    anna = bot.record(Person, platform_user_id="anna")[0]
    rows = [r for r in bot.record(OutboxItem, person_id=anna.id) if r.kind != "consent"]
    assert rows and all(r.due_at == STARTS for r in rows)
    assert bot.record(Pair)[0].phase == Phase.INTRO
