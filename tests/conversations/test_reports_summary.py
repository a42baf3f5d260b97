"""The end-of-programme summary speaks to the programme's purposes (goals and self-ratings for
leadership, staying to the end for retention) and shows the closing reviews' feedback to the
programme without names, in an order that says nothing about who wrote what."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from conversations.records import Purpose
from conversations.reports.facts import ProgrammeFacts
from conversations.reports.summary import MIN_FEEDBACK_AUTHORS, summary_message, without_names
from tests.conversations.reporting import FEEDBACK_MARKERS, PAIRS, Built

PEOPLE = [name for pair in PAIRS for name in pair] + ["gustav", "kim"]


def summary(facts: ProgrammeFacts, language: str = "en") -> str:
    return summary_message(facts, language).plain_text()


def with_purposes(facts: ProgrammeFacts, *purposes: Purpose) -> ProgrammeFacts:
    return replace(facts, programme=facts.programme.model_copy(update={"purposes": list(purposes)}))


def test_for_leadership_goals_achieved_and_self_ratings_moved(reported: Built) -> None:
    text = summary(with_purposes(reported.facts, Purpose.LEADERSHIP))
    assert "*For leadership development*" in text
    assert "Goals achieved: 1 of 4 (1 partly, 1 not achieved)." in text
    # bo: 2 -> 4 and 3 -> 3; david: 1 -> 3; fia rated once (not a change).
    assert "rose for 2, stayed the same for 1 and fell for 0 of 3 goals" in text
    assert "on average from 2.0 to 3.3" in text
    assert "stayed to the end" not in text


def test_for_retention_how_many_stayed_to_the_end(reported: Built) -> None:
    text = summary(with_purposes(reported.facts, Purpose.RETENTION))
    assert "*For lower staff turnover*" in text
    assert "4 of 6 people who were paired stayed to the end" in text
    assert "1 person enrolled was never paired." in text
    assert "Goals achieved" not in text


def test_both_purposes_and_the_overall_counts_in_swedish(reported: Built) -> None:
    text = summary(reported.facts, "sv")
    assert text.startswith("Sammanfattning: Ledare 2027")
    assert "Syfte: ledarutveckling, minskad personalomsättning" in text
    assert "3 par — slutförda: 2, avbrutna: 1, pågående: 0." in text
    assert "Möten: 4 hållna, 1 blev inte av." in text
    assert "Uppnådda mål: 1 av 4" in text and "i snitt från 2,0 till 3,3" in text
    assert "4 av 6 personer som fick en partner stannade till slutet" in text
    assert "pågår fortfarande" not in text  # the programme is over


def test_while_the_programme_runs_the_figures_are_marked_as_so_far(reported: Built) -> None:
    running = replace(reported.facts, now=datetime(2027, 3, 1, 9, tzinfo=UTC))
    assert "still running: these are the figures so far" in summary(running)


def test_feedback_to_the_programme_without_names_in_alphabetical_order(reported: Built) -> None:
    message = summary_message(reported.facts, "en")
    text = message.plain_text()
    assert "*Feedback to the programme*" in text
    answers = [s.text for s in message.sections if s.text.startswith("• ")]
    assert answers == [
        "• MARKER-FEEDBACK-1-ee01 Tack [name] för stödet",  # "Tack Anna för stödet"
        "• MARKER-FEEDBACK-2-ee02 Påminnelserna hjälpte",
        "• MARKER-FEEDBACK-3-ee03 Mer tid för mötena",
    ]
    for name in PEOPLE:
        assert not re.search(rf"\b{name}\b", text, re.IGNORECASE), name
    shuffled = replace(reported.facts, feedback=tuple(reversed(reported.facts.feedback)))
    assert summary_message(shuffled, "en") == message  # the order says nothing


def test_feedback_from_too_few_people_is_not_shown(reported: Built) -> None:
    few = replace(reported.facts, feedback_authors=MIN_FEEDBACK_AUTHORS - 1)
    text = summary(few)
    assert "Shown once at least 3 people have given feedback" in text
    assert not any(marker in text for marker in FEEDBACK_MARKERS.values())
    none = replace(reported.facts, feedback=(), feedback_authors=0)
    assert "No feedback to the programme yet." in summary(none)


def test_names_are_taken_out_of_a_text_whole_or_in_part_in_any_case() -> None:
    names = ["Anna Berg", "Bo", "—", ""]
    assert (
        without_names("Tack anna BERG och Anna, och bo! Annika och Bodil.", names, "[x]")
        == "Tack [x] och [x], och [x]! Annika och Bodil."
    )
    assert without_names("Inga namn här", [], "[x]") == "Inga namn här"
