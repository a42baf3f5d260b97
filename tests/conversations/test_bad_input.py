"""Bad input gets a clear answer and loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.events import ButtonPressed, FormSubmitted
from conversations.flows import reflection
from conversations.records import AuditEntry, Goal, Meeting, Person, Reflection
from tests.conversations.harness import Bot, first_meeting_held, paired


def test_unknown_command_gets_usage_help_in_swedish_by_default(bot: Bot) -> None:
    reply = bot.say("bo", "blorp")
    text = reply.messages[0].plain_text()
    assert "Jag känner inte till ”blorp”" in text
    assert "hjälp" in text and "reflektion" in text


def test_unknown_command_gets_usage_help_in_english_for_an_english_speaker(bot: Bot) -> None:
    bot.say("bo", "help")
    opened = bot.press("bo", "settings.open", "")
    assert opened.form is not None
    values = {f.name: f.initial for f in opened.form.fields} | {"language": "en"}
    bot.act("bo", FormSubmitted(form_id="settings", values=values))
    text = bot.say("bo", "blorp").messages[0].plain_text()
    assert "I don't know “blorp”" in text and "reflect" in text


def test_help_lists_only_what_the_person_may_use(bot: Bot) -> None:
    participant = bot.say("bo", "help").messages[0].plain_text()
    coordinator = bot.say("kim", "help").messages[0].plain_text()
    assert "program ny" not in participant and "program ny" in coordinator


def test_coordinator_command_is_refused_with_one_line_saying_who_can(bot: Bot) -> None:
    reply = bot.say("bo", 'program new "X" --purpose career')
    assert len(reply.messages) == 1
    assert "Bara programkoordinatorer" in reply.messages[0].plain_text()


def test_empty_required_field_gets_an_error_on_that_field_and_saves_nothing(bot: Bot) -> None:
    paired(bot)
    reply = bot.fill(
        "bo",
        "goals.draft",
        {"goal1_text": "", "goal1_signal": "x", "goal1_date": "2027-03-01", "goal1_rating": "3"},
        value="1",
    )
    assert set(reply.errors) == {"goal1_text"}
    assert reply.form is not None and reply.form.form_id == "goals"
    assert bot.record(Goal) == []


def test_half_filled_second_goal_is_refused_and_the_first_is_not_saved_alone(bot: Bot) -> None:
    paired(bot)
    answers = {
        "goal1_text": "Ett",
        "goal1_signal": "x",
        "goal1_date": "2027-03-01",
        "goal1_rating": "3",
        "goal2_text": "Två",
    }
    reply = bot.fill("bo", "goals.draft", answers, value="1")
    assert {"goal2_signal", "goal2_rating"} <= set(reply.errors)
    assert bot.record(Goal) == []


def test_oversized_field_is_refused_with_the_limit_and_nothing_is_saved(bot: Bot) -> None:
    paired(bot)
    huge = "å" * 10_000
    reply = bot.fill(
        "bo",
        "goals.draft",
        {"goal1_text": huge, "goal1_signal": "x", "goal1_date": "2027-03-01", "goal1_rating": "3"},
        value="1",
    )
    assert "10000" in reply.errors["goal1_text"] and "500" in reply.errors["goal1_text"]
    assert bot.record(Goal) == []


def test_oversized_journal_reply_is_refused_and_can_be_sent_again_shorter(bot: Bot) -> None:
    bot.say("bo", "reflect")
    refused = bot.type("bo", "x" * 5000).messages[0].plain_text()
    assert "5000" in refused and "4000" in refused and "Inget sparades" in refused
    assert bot.record(Reflection) == []
    bot.type("bo", "kortare")
    assert [r.text for r in bot.record(Reflection)] == ["kortare"]


def test_bad_date_and_time_get_a_field_error(bot: Bot) -> None:
    paired(bot)
    reply = bot.fill("bo", "meeting.book", {"when": "next tuesday-ish"})
    assert "2026-12-01 14:00" in reply.errors["when"]
    reply = bot.fill("bo", "meeting.book", {"when": "2027-01-01 10:00"})
    assert reply.errors["when"] == "Den tiden har redan passerat."
    reply = bot.fill("bo", "meeting.book", {"when": "2027-01-20 10:00", "minutes": "30"})
    assert "minst en timme" in reply.errors["minutes"]
    assert bot.record(Meeting) == []


def test_a_button_pressed_twice_does_nothing_the_second_time_and_says_why(bot: Bot) -> None:
    paired(bot)
    first_meeting_held(bot)
    bot.fill(
        "bo",
        "goals.draft",
        {"goal1_text": "Mål", "goal1_signal": "x", "goal1_date": "2027-03-01", "goal1_rating": "3"},
    )
    confirm = bot.button("anna", "goals.confirm")
    bot.press("anna", "goals.confirm", confirm.value)
    audits = len(bot.record(AuditEntry))
    again = bot.press("anna", "goals.confirm", confirm.value)
    assert "redan" in again.messages[0].plain_text()
    assert len(bot.record(AuditEntry)) == audits


def test_a_stale_goals_button_shows_the_current_goals_instead(bot: Bot) -> None:
    paired(bot)
    first_meeting_held(bot)
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": "Första",
            "goal1_signal": "x",
            "goal1_date": "2027-03-01",
            "goal1_rating": "3",
        },
    )
    old = bot.button("anna", "goals.confirm")
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": "Andra",
            "goal1_signal": "x",
            "goal1_date": "2027-03-01",
            "goal1_rating": "3",
        },
    )
    reply = bot.press("anna", "goals.confirm", old.value)
    text = "\n".join(m.plain_text() for m in reply.messages)
    assert "har ändrats" in text and "Andra" in text
    assert all(g.status == "draft" for g in bot.record(Goal))


def test_a_retried_event_is_applied_once(bot: Bot) -> None:
    bot.act("bo", ButtonPressed(action="help"), key="slack:Ev1")
    bot.say("bo", "reflect")
    first = bot.engine.handle(bot_actor("bo"), reflection_text("en gång"), event_key="slack:Ev2")
    second = bot.engine.handle(bot_actor("bo"), reflection_text("en gång"), event_key="slack:Ev2")
    assert not first.duplicate and second.duplicate
    assert len(bot.record(Reflection)) == 1


def test_an_unknown_or_foreign_button_changes_nothing(bot: Bot) -> None:
    paired(bot)
    assert "äldre meddelande" in bot.press("bo", "no.such.action", "1").messages[0].plain_text()
    bot.say("kim", "enroll @cia as adept")
    reply = bot.press("cia", "goals.draft", "1")  # a pair cia is not in
    assert "inget aktivt mentorpar" in reply.messages[0].plain_text()


def test_a_crash_in_one_handler_loses_no_stored_answer(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot.say("bo", "reflect")
    bot.type("bo", "sparad först")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"disk on fire while saving {args[1]!r}")  # quotes the answer

    bot.say("bo", "reflect")
    monkeypatch.setattr(reflection, "_save", explode)
    reply = bot.type("bo", "den här kraschar")
    assert "inget från det här steget sparades" in reply.messages[0].plain_text()
    assert "event=handler_crash" in caplog.text and "RuntimeError" in caplog.text
    assert "den här kraschar" not in caplog.text  # logs never quote what people wrote
    monkeypatch.undo()
    assert [r.text for r in bot.record(Reflection)] == ["sparad först"]
    # The open question survived the crash: the same answer can be sent again.
    bot.type("bo", "den här kraschar")
    assert len(bot.record(Reflection)) == 2
    assert len(bot.record(Person, platform_user_id="bo")) == 1


def test_a_late_journal_reply_never_reaches_the_mentor_as_preparation(bot: Bot) -> None:
    """The reflection prompt comes on Friday, the meeting's preparation prompt later: a typed
    reply is a private journal entry, never the preparation that is shared with the mentor."""
    paired(bot)
    bot.say("bo", "reflect")
    bot.fill("bo", "meeting.book", {"when": "2027-01-14 10:00"})
    bot.advance(timedelta(days=2, hours=3))
    assert "preparation-prompt" in bot.kinds_to("bo")
    bot.type("bo", "MARKER-PRIVATE-jag tvivlar")
    assert "MARKER-PRIVATE" not in bot.texts_to("anna")
    assert [r.text for r in bot.record(Reflection)] == ["MARKER-PRIVATE-jag tvivlar"]


def test_a_journal_answer_starting_with_a_command_word_is_saved_when_the_person_says_so(
    bot: Bot,
) -> None:
    paired(bot)
    bot.say("bo", "reflect")
    reply = bot.type("bo", "Möte med chefen gick bättre än väntat")
    text = "\n".join(m.plain_text() for m in reply.messages)
    assert "`möte`" in text and "Inget är sparat än" in text
    assert bot.record(Reflection) == []  # nothing lands in the journal unasked
    saved = bot.press("bo", "parked.save").messages[0].plain_text()
    assert "Sparat i din dagbok" in saved
    assert [r.text for r in bot.record(Reflection)] == ["Möte med chefen gick bättre än väntat"]
    assert bot.record(Meeting) == []


def bot_actor(who: str):  # type: ignore[no-untyped-def]
    from conversations.events import Actor

    return Actor(platform="local", platform_user_id=who, display_name=who)


def reflection_text(text: str):  # type: ignore[no-untyped-def]
    from conversations.events import TextReceived

    return TextReceived(text=text)


def test_a_rating_out_of_range_is_told_the_range_not_a_length_limit(bot: Bot) -> None:
    from conversations.events import FormSubmitted

    paired(bot)
    first_meeting_held(bot)
    opened = bot.press("bo", "goals.draft")
    assert opened.form is not None
    values = {f.name: f.initial for f in opened.form.fields}
    values.update({"goal1_text": "Leda", "goal1_signal": "Två möten", "goal1_target": "2027-04-01"})
    for typed in ("10", "0", "x" * 5000):
        values["goal1_rating"] = typed
        reply = bot.act(
            "bo", FormSubmitted(form_id="goals", values=values, context=opened.form.context)
        )
        assert reply.errors["goal1_rating"] == "Välj ett tal från 1 (lågt) till 5 (högt)."
