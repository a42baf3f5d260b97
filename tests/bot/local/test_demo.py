"""`mentorbot demo`: a whole programme on a fast-forward clock, in Swedish and in English."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.local.demo import WORDS, play
from conversations.i18n import Texts
from tests.bot.local.conftest import run_mentorbot

FIRST_MEETING = datetime(2027, 1, 14, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
BUDGET_SECONDS = 30


@pytest.fixture(scope="module", params=["sv", "en"])
def demo(request: pytest.FixtureRequest) -> tuple[str, str, float]:
    """(language, transcript, seconds) for one run of the demo with three pairs."""
    out = io.StringIO()
    started = time.perf_counter()
    play(lang=request.param, pairs=3, database=None, out=out)
    return request.param, out.getvalue(), time.perf_counter() - started


def test_the_demo_plays_a_whole_programme_in_under_thirty_seconds(
    demo: tuple[str, str, float],
) -> None:
    lang, transcript, seconds = demo
    assert seconds < BUDGET_SECONDS, f"{lang}: {seconds:.1f} s"
    assert transcript.rstrip().endswith("/quit")


def test_the_demo_shows_every_phase_of_the_programme(demo: tuple[str, str, float]) -> None:
    lang, transcript, _ = demo
    t = Texts(lang)
    words = WORDS[lang]
    programme, place = words["programme"], words["place"]
    first = t.when(FIRST_MEETING)
    expected = {
        "welcome": t("welcome.title", programme=programme),
        "enrolment": t("enroll.asked", name="anna", role=t("role.mentor"), programme=programme),
        "consent asked": t("consent.title", programme=programme),
        "consent given": t("consent.done", programme=programme, role=t("role.mentor")),
        "pair introduction": "# " + t("intro.title"),
        "first-meeting guide": t("intro.guide", minutes=60),
        "meeting booked": t("meeting.booked", when=first, minutes=60, place=place),
        "partner told of booking": t(
            "meeting.partner_booked", name="bo", when=first, minutes=60, place=place
        ),
        "reminder": t("nudge.reminder", partner="bo", when=first, place=place),
        "first-meeting reminder": t("nudge.first_meeting_reminder"),
        "preparation prompt": t("nudge.prep", partner="anna", when=first),
        "preparation shared": t("prep.mentor_notice", name="bo", when=first),
        "check-in prompt": t("nudge.checkin", partner="bo", when=first),
        "check-in saved": t("checkin.saved"),
        "goals drafted": t("goals.mentor_review_title", name="bo"),
        "goals saved": t("goals.saved", n=1),
        "goals confirmed": t("goals.confirmed_notice", name="anna"),
        "agreement v1 proposed": t("agreement.proposed_title", number=1, name="anna"),
        "agreement v1 accepted": t("agreement.both_accepted_notice", name="bo", number=1),
        "under way": t("phase.active_notice"),
        "agreement v2 proposed": t("agreement.proposed_title", number=2, name="bo"),
        "agreement v2 proposed and so accepted by bo": t("agreement.proposal_sent", number=2),
        "agreement v2 accepted by both": t("agreement.both_accepted_notice", name="anna", number=2),
        "agreement v2 shown": "# " + t("agreement.title", number=2),
        "weekly reflection prompt": "# " + t("reflect.title"),
        "an adept's prompt": t("reflect.prompt.adept.challenge"),
        "a mentor's prompt": t("reflect.prompt.mentor.time"),
        "reflection saved": t("reflect.saved", n=1),
        "pause": t("pause.done", date=t.date(date(2027, 1, 31))),
        "pause notice": t("pause.partner_notice", name="omar", date=t.date(date(2027, 1, 31))),
        "mid-point review": "# " + t("review.midpoint.title"),
        "mid-point prompt": t("review.midpoint.prompt"),
        "mid-point saved": t("review.midpoint.saved"),
        "closing review": "# " + t("review.closing.title"),
        "closing saved": t("review.closing.saved_last"),
        "journal": t("journal.title", n=11).split("(")[0],
    }
    missing = {phase: text for phase, text in expected.items() if text not in transcript}
    assert missing == {}


def test_the_agreement_is_amended_after_the_midpoint_review(demo: tuple[str, str, float]) -> None:
    lang, transcript, _ = demo
    t = Texts(lang)
    midpoint = transcript.index("# " + t("review.midpoint.title"))
    amended = transcript.index(t("agreement.proposed_title", number=2, name="bo"))
    assert midpoint < amended
    shown = transcript[transcript.index("# " + t("agreement.title", number=2)) :]
    assert t("agreement.every_n_days", n=21) in shown.split("\n\n", 1)[0]
    assert (
        t("agreement.status.in_force", number=2) in transcript or t("agreement.in_force") in shown
    )


def test_the_coordinators_final_status_shows_every_pair_completed(
    demo: tuple[str, str, float],
) -> None:
    lang, transcript, _ = demo
    t = Texts(lang)
    coordinator = WORDS[lang]["coordinator"]
    final = transcript.rsplit(f"{coordinator}> status", 1)[1]
    assert "# " + t("status.title") in final
    assert f"{t('status.pairs', n=3)}: {t('phase.completed')} 3" in final
    assert t("status.privacy") in final
    assert t("phase.active") + " " not in final


# Words that must appear in a language's transcript, and words of the other language that must not.
LANGUAGE = {
    "sv": (
        (
            "Välkommen",
            "Halvtidsutvärdering",
            "Påminnelse",
            "Veckoreflektion",
            "Avslutande utvärdering",
            "slutförd",
        ),
        ("Welcome", "Reminder", "Mid-point review", "Weekly reflection", "completed", "Thank you"),
    ),
    "en": (
        (
            "Welcome",
            "Mid-point review",
            "Reminder",
            "Weekly reflection",
            "Closing review",
            "completed",
        ),
        (
            "Välkommen",
            "Halvtidsutvärdering",
            "Påminnelse",
            "Veckoreflektion",
            "Hej",
            " och ",
            "slutförd",
            "möte",
        ),
    ),
}


def test_the_transcript_is_in_the_cohorts_language(demo: tuple[str, str, float]) -> None:
    lang, transcript, _ = demo
    present, absent = LANGUAGE[lang]
    assert [word for word in present if word not in transcript] == []
    assert [word for word in absent if word in transcript] == []
    if lang == "en":
        assert not re.search("[åäöÅÄÖ]", transcript), "no Swedish letters anywhere"


def test_mentorbot_demo_in_english_exits_cleanly_within_thirty_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run_mentorbot(
        ["demo", "--lang", "en"], config=None, cwd=tmp_path, timeout=BUDGET_SECONDS + 30
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert seconds < BUDGET_SECONDS
    assert "# " + Texts("en")("review.closing.title") in result.stdout
    assert "coordinator> status" in result.stdout
    assert list(tmp_path.iterdir()) == [], "the demo keeps its database in a temporary folder"
