"""The pure planner: what is due, for whom, at which local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.config import CoreConfig
from conversations.memory import InMemoryStore
from conversations.nudges import KINDS
from conversations.planner import (
    PlanRules,
    load_view,
    next_due,
    plan,
    plan_all,
    public_holidays,
)
from conversations.records import CheckIn, OutboxItem, Phase
from tests.scheduler.world import add_meeting, add_pair, add_person, add_programme, utc

CONFIG = CoreConfig()
RULES = PlanRules()
STHLM = ZoneInfo("Europe/Stockholm")


def local(moment: datetime, tz: ZoneInfo = STHLM) -> tuple[int, ...]:
    """(year, month, day, hour, minute) on the wall clock in ``tz``."""
    return tuple(moment.astimezone(tz).timetuple()[:5])


def world(**pair_extra: object) -> tuple[InMemoryStore, dict[str, int]]:
    """A coordinator, a mentor and an adept in Stockholm, paired on Monday 2026-05-04."""
    store = InMemoryStore()
    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        mia = add_person(repo, "mia", reflection_weekday=3, reflection_time=time(14, 0))
        ali = add_person(repo, "ali", reflection_weekday=4, reflection_time=time(19, 0))
        programme = add_programme(repo, kim, date(2026, 5, 4), date(2026, 8, 28))
        pair = add_pair(repo, programme, mia, ali, utc(2026, 5, 4, 7), **pair_extra)  # type: ignore[arg-type]
    ids = {
        "kim": kim.id or 0,
        "mia": mia.id or 0,
        "ali": ali.id or 0,
        "pair": pair.id or 0,
        "programme": programme.id or 0,
    }
    return store, ids


def due_at(store: InMemoryStore, now: datetime, rules: PlanRules = RULES) -> dict[str, datetime]:
    with store.transaction() as repo:
        view = load_view(repo, now, rules, CONFIG)
    return {n.key: n.due_at for n in plan(view, now, rules, CONFIG)}


def upcoming(
    store: InMemoryStore, now: datetime, person: int, limit: int = 20
) -> dict[str, datetime]:
    with store.transaction() as repo:
        view = load_view(repo, now, RULES, CONFIG)
    return {
        n.key: n.due_at for n in next_due(view, now, RULES, CONFIG, person_id=person, limit=limit)
    }


def test_kinds_are_the_contract_kinds() -> None:
    store, _ids = world()
    with store.transaction() as repo:
        view = load_view(repo, utc(2026, 6, 1), RULES, CONFIG)
    found = {n.kind for n in next_due(view, utc(2026, 5, 4), RULES, CONFIG, limit=1000)}
    assert found <= set(KINDS)


def test_reflection_at_chosen_local_weekday_and_time_and_moved_out_of_quiet_hours() -> None:
    store, ids = world()
    soon = upcoming(store, utc(2026, 5, 4, 8), ids["mia"])
    # Thursday 14:00 in Stockholm (CEST, UTC+2).
    assert soon[f"reflection:{ids['mia']}:2026-W19"] == utc(2026, 5, 7, 12)
    # Ali chose Friday 19:00, after working hours: moved to Monday 08:00 (weekend skipped).
    later = upcoming(store, utc(2026, 5, 4, 8), ids["ali"])
    assert local(later[f"reflection:{ids['ali']}:2026-W19"]) == (2026, 5, 11, 8, 0)


def test_public_holiday_moves_prompt_to_next_working_day() -> None:
    assert date(2026, 5, 14) in public_holidays("SE", 2026)  # Kristi himmelfärdsdag
    store, ids = world()
    soon = upcoming(store, utc(2026, 5, 11, 8), ids["mia"])
    assert local(soon[f"reflection:{ids['mia']}:2026-W20"]) == (2026, 5, 15, 8, 0)


def test_weekend_allowed_when_chosen_as_working_day() -> None:
    store, ids = world()
    with store.transaction() as repo:
        from conversations.records import Person

        ali = repo.get(Person, ids["ali"])
        assert ali is not None
        repo.update(
            ali.model_copy(
                update={
                    "work_days": [0, 1, 2, 3, 4, 5],
                    "reflection_weekday": 5,
                    "reflection_time": time(10, 0),
                }
            )
        )
    soon = upcoming(store, utc(2026, 5, 4, 8), ids["ali"])
    assert local(soon[f"reflection:{ids['ali']}:2026-W19"]) == (2026, 5, 9, 10, 0)


def test_due_only_once_time_has_come_and_not_twice_once_queued() -> None:
    store, ids = world()
    key = f"reflection:{ids['mia']}:2026-W19"
    assert key not in due_at(store, utc(2026, 5, 7, 11, 59))
    assert due_at(store, utc(2026, 5, 7, 12, 0))[key] == utc(2026, 5, 7, 12)
    with store.transaction() as repo:
        repo.enqueue(
            OutboxItem(
                key=key,
                person_id=ids["mia"],
                kind="reflection-prompt",
                payload={},
                due_at=utc(2026, 5, 7, 12),
                created_at=utc(2026, 5, 7, 12),
            )
        )
    assert key not in due_at(store, utc(2026, 5, 7, 12, 1))


def test_paused_person_skipped_and_paused_pair_defers_reviews() -> None:
    store, ids = world(paused_until=date(2026, 6, 19))
    with store.transaction() as repo:
        from conversations.records import Person

        mia = repo.get(Person, ids["mia"])
        assert mia is not None
        repo.update(mia.model_copy(update={"paused_until": date(2026, 5, 10)}))
    assert f"reflection:{ids['mia']}:2026-W19" not in upcoming(
        store, utc(2026, 5, 4, 8), ids["mia"]
    )
    # Mid-point on Monday 2026-06-15, during the pair's pause: deferred to Monday 22 June 08:00
    # (Friday 19 June is Midsummer Eve, the pause ends that day; the 20th and 21st are a weekend).
    soon = upcoming(store, utc(2026, 6, 10), ids["mia"])
    assert local(soon[f"midpoint:{ids['pair']}:{ids['mia']}"]) == (2026, 6, 22, 8, 0)


def test_a_pause_longer_than_two_months_defers_the_review_and_loses_nothing() -> None:
    # A pair that runs to December pauses until Sunday 23 August: the mid-point (Monday
    # 15 June, ten weeks before) waits for the first working day after, Monday 24 August.
    store, ids = world(paused_until=date(2026, 8, 23), ends_on=date(2026, 12, 18))
    soon = upcoming(store, utc(2026, 8, 20), ids["mia"])
    assert local(soon[f"midpoint:{ids['pair']}:{ids['mia']}"]) == (2026, 8, 24, 8, 0)


def test_meeting_reminder_preparation_and_checkin() -> None:
    store, ids = world()
    with store.transaction() as repo:
        from conversations.records import Pair

        pair = repo.get(Pair, ids["pair"])
        assert pair is not None
        meeting = add_meeting(
            repo, pair, utc(2026, 5, 20, 8), utc(2026, 5, 11, 9)
        )  # Wed 10:00 local
    soon = upcoming(store, utc(2026, 5, 11, 10), ids["ali"])
    m = meeting.id
    assert local(soon[f"meeting-reminder:{m}:{ids['ali']}"]) == (2026, 5, 19, 10, 0)
    assert local(soon[f"preparation:{m}:{ids['ali']}"]) == (2026, 5, 18, 10, 0)
    assert local(soon[f"checkin:{m}:{ids['ali']}"]) == (2026, 5, 20, 11, 0)
    mentor = upcoming(store, utc(2026, 5, 11, 10), ids["mia"])
    assert f"preparation:{m}:{ids['mia']}" not in mentor  # the adept prepares
    with store.transaction() as repo:
        repo.add(
            CheckIn(
                pair_id=ids["pair"],
                meeting_id=m,
                author_id=ids["ali"],
                met=True,
                created_at=utc(2026, 5, 20, 9, 30),
            )
        )
    assert f"checkin:{m}:{ids['ali']}" not in due_at(store, utc(2026, 5, 20, 9, 30))
    assert f"checkin:{m}:{ids['mia']}" in due_at(store, utc(2026, 5, 20, 9, 30))


def test_reminder_for_early_monday_meeting_moves_back_to_friday() -> None:
    store, ids = world()
    with store.transaction() as repo:
        from conversations.records import Pair

        pair = repo.get(Pair, ids["pair"])
        assert pair is not None
        meeting = add_meeting(
            repo, pair, utc(2026, 5, 25, 6), utc(2026, 5, 11, 9)
        )  # Mon 08:00 local
    soon = upcoming(store, utc(2026, 5, 11, 10), ids["mia"])
    assert local(soon[f"meeting-reminder:{meeting.id}:{ids['mia']}"]) == (2026, 5, 22, 16, 0)


def test_overdue_meeting_at_a_time_both_are_at_work() -> None:
    store = InMemoryStore()
    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        mia = add_person(repo, "mia")
        bob = add_person(repo, "bob", tz="America/New_York")
        programme = add_programme(repo, kim, date(2026, 5, 4), date(2026, 8, 28))
        pair = add_pair(repo, programme, mia, bob, utc(2026, 5, 4, 7))
        # Held Tuesday 5 May 06:00 UTC (08:00 in Stockholm, 02:00 in New York).
        add_meeting(repo, pair, utc(2026, 5, 5, 6), utc(2026, 5, 4, 7), status="held")
    # Cadence 14 + grace 3 days: Friday 22 May 06:00 UTC; New York starts at 08:00 EDT = 12:00 UTC.
    soon = upcoming(store, utc(2026, 5, 20), mia.id or 0)
    key = f"overdue:{pair.id}:1:{mia.id}"
    assert soon[key] == utc(2026, 5, 22, 12)
    assert upcoming(store, utc(2026, 5, 20), bob.id or 0)[f"overdue:{pair.id}:1:{bob.id}"] == utc(
        2026, 5, 22, 12
    )
    # A meeting logged meanwhile: no longer overdue.
    with store.transaction() as repo:
        add_meeting(repo, pair, utc(2026, 5, 21, 12), utc(2026, 5, 21, 12), status="held")
    assert key not in upcoming(store, utc(2026, 5, 21, 13), mia.id or 0)


def test_phase_deadline_pair_first_then_coordinator() -> None:
    store, ids = world(phase=Phase.INTRO)
    soon = upcoming(store, utc(2026, 5, 4, 8), ids["mia"])
    # Introduced Mon 4 May 09:00 local; 10 days later is Thu 14 May, Ascension Day: the next
    # allowed time is the start of the next working day.
    assert local(soon[f"phase:{ids['pair']}:intro:{ids['mia']}"]) == (2026, 5, 15, 8, 0)
    coord = upcoming(store, utc(2026, 5, 4, 8), ids["kim"])
    # Three days after the nominal deadline (Sun 17 May 09:00) -> Mon 18 May 08:00.
    assert local(coord[f"phase-coordinator:{ids['pair']}:intro:{ids['kim']}"]) == (
        2026,
        5,
        18,
        8,
        0,
    )
    stuck = upcoming(store, utc(2026, 5, 20), ids["mia"])
    assert local(stuck[f"phase:{ids['pair']}:intro-stuck:{ids['mia']}"]) == (2026, 5, 25, 9, 0)


def test_weekly_cap_keeps_the_reflection_prompt_and_the_most_important() -> None:
    store, ids = world()
    rules = PlanRules(max_nudges_per_week=1)
    with store.transaction() as repo:
        from conversations.records import Pair

        pair = repo.get(Pair, ids["pair"])
        assert pair is not None
        meeting = add_meeting(repo, pair, utc(2026, 5, 8, 8), utc(2026, 5, 4, 9))  # Fri 10:00
    with store.transaction() as repo:
        view = load_view(repo, utc(2026, 5, 7, 12), rules, CONFIG)
    outcome = plan_all(view, utc(2026, 5, 7, 12), rules, CONFIG)
    mia_due = [n.key for n in outcome.due if n.person_id == ids["mia"]]
    mia_capped = [n.key for n in outcome.capped if n.person_id == ids["mia"]]
    # A cap of one leaves no slot beside the week's reflection prompt, which is never capped.
    assert mia_due == [f"reflection:{ids['mia']}:2026-W19"]
    assert mia_capped == [f"meeting-reminder:{meeting.id}:{ids['mia']}"]


def test_catch_up_window_splits_fresh_from_stale() -> None:
    store, ids = world()
    rules = PlanRules(catch_up_hours=2)
    with store.transaction() as repo:
        view = load_view(repo, utc(2026, 5, 7, 13, 30), rules, CONFIG)
    outcome = plan_all(view, utc(2026, 5, 7, 13, 30), rules, CONFIG)
    assert f"reflection:{ids['mia']}:2026-W19" in {n.key for n in outcome.due}
    with store.transaction() as repo:
        view = load_view(repo, utc(2026, 5, 7, 14, 30), rules, CONFIG)
    outcome = plan_all(view, utc(2026, 5, 7, 14, 30), rules, CONFIG)
    assert f"reflection:{ids['mia']}:2026-W19" in {n.key for n in outcome.stale}


def test_digest_weekly_to_programme_creator_and_reviews() -> None:
    store, ids = world()
    coord = upcoming(store, utc(2026, 5, 4, 7), ids["kim"])
    assert local(coord[f"digest:{ids['programme']}:{ids['kim']}:2026-W20"]) == (2026, 5, 11, 8, 0)
    late = upcoming(store, utc(2026, 8, 18), ids["ali"])  # a week before the end (28 August)
    assert local(late[f"closing:{ids['pair']}:{ids['ali']}"]) == (2026, 8, 21, 8, 0)


def test_dst_change_keeps_local_time() -> None:
    store, ids = world()
    before = upcoming(store, utc(2026, 10, 19), ids["mia"])
    after = upcoming(store, utc(2026, 10, 26), ids["mia"])
    assert before[f"reflection:{ids['mia']}:2026-W43"] == utc(2026, 10, 22, 12)  # CEST
    assert after[f"reflection:{ids['mia']}:2026-W44"] == utc(2026, 10, 29, 13)  # CET


def test_plan_is_pure() -> None:
    store, _ids = world()
    now = utc(2026, 5, 7, 12)
    with store.transaction() as repo:
        view = load_view(repo, now, RULES, CONFIG)
    assert plan(view, now, RULES, CONFIG) == plan(view, now, RULES, CONFIG)
    assert all(
        n.due_at.tzinfo is not None and n.due_at.utcoffset() == timedelta(0)
        for n in plan(view, now, RULES, CONFIG)
    )
