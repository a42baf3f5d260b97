"""The Store/Outbox contract, run against every store (see ``store`` in conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from conversations import records as rec
from conversations.ports import AtLeast, Conflict, DuplicateKey, OrField, R, Referred
from conversations.wakes import EPOCH
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import T0, one_of_each, outbox_item, pair, person


class Boom(Exception):
    pass


def test_add_assigns_ids_and_first_version(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        a = repo.add(person(1))
        b = repo.add(person(2))
    assert a.id is not None
    assert b.id is not None
    assert a.id != b.id
    assert (a.version, b.version) == (1, 1)


def test_add_leaves_the_given_record_untouched(store: StoreAndOutbox) -> None:
    draft = person(1)
    with store.transaction() as repo:
        repo.add(draft)
    assert (draft.id, draft.version) == (None, 0)


def test_every_record_type_round_trips(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = [repo.add(record) for record in one_of_each()]
    assert {type(r) for r in added} == set(rec.ALL_RECORDS)
    with store.transaction() as repo:
        for record in added:
            assert record.id is not None
            assert repo.get(type(record), record.id) == record


def test_get_of_unknown_id_is_none(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        assert repo.get(rec.Person, 999) is None


def test_find_filters_by_equality(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.add(person(1, locale="en"))
        repo.add(person(2, locale="sv"))
        repo.add(person(3, locale="en", is_coordinator=True))
    with store.transaction() as repo:
        english = repo.find(rec.Person, locale="en")
        coordinators = repo.find(rec.Person, locale="en", is_coordinator=True)
        everyone = repo.find(rec.Person)
    assert [p.platform_user_id for p in english] == ["U1", "U3"]
    assert [p.platform_user_id for p in coordinators] == ["U3"]
    assert [p.platform_user_id for p in everyone] == ["U1", "U2", "U3"]


def test_find_filters_by_membership(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        ids = [repo.add(person(n)).id for n in range(1, 5)]
    with store.transaction() as repo:
        as_list = repo.find(rec.Person, id=[ids[0], ids[2]])
        as_set = repo.find(rec.Person, platform_user_id={"U2", "U4", "nobody"})
        as_tuple = repo.find(rec.Person, id=())
    assert [p.id for p in as_list] == [ids[0], ids[2]]
    assert [p.platform_user_id for p in as_set] == ["U2", "U4"]
    assert as_tuple == []


def test_lookups_of_one_shape_each_get_their_own_values(store: StoreAndOutbox) -> None:
    """The SQL store prepares one statement per shape of lookup (storage/queries.py): every
    list length, short or long, and every value must still find exactly its own rows."""
    with store.transaction() as repo:
        ids = [repo.add(person(n, locale="en" if n % 2 else "sv")).id for n in range(1, 13)]
    with store.read() as repo:
        for n in range(len(ids) + 1):
            assert [p.id for p in repo.find(rec.Person, id=ids[:n])] == ids[:n]
            assert [p.id for p in repo.find(rec.Person, id=[*ids[:n], None])] == ids[:n]
        for locale, expected in (("sv", ids[1]), ("en", ids[0]), ("sv", ids[1]), ("fi", None)):
            found = repo.first(rec.Person, locale=locale)
            assert (found.id if found else None) == expected
        assert list(repo.columns(rec.Person, ["id"], id=ids[10:])) == [
            (ids[10],),
            (ids[11],),
        ]


def test_find_matches_missing_values_with_none(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.add(person(1))
        repo.add(person(2, paused_until=date(2026, 5, 1)))
    with store.transaction() as repo:
        unpaused = repo.find(rec.Person, paused_until=None)
        either = repo.find(rec.Person, paused_until=[None, date(2026, 5, 1)])
    assert [p.platform_user_id for p in unpaused] == ["U1"]
    assert [p.platform_user_id for p in either] == ["U1", "U2"]


def test_find_filters_on_enums_dates_and_datetimes(store: StoreAndOutbox) -> None:
    pair = next(r for r in one_of_each() if isinstance(r, rec.Pair))
    with store.transaction() as repo:
        repo.add(pair)
        repo.add(
            pair.model_copy(
                update={"phase": rec.Phase.ACTIVE, "phase_since": T0 + timedelta(hours=1)}
            )
        )
    with store.transaction() as repo:
        assert len(repo.find(rec.Pair, phase=rec.Phase.ACTIVE)) == 1
        assert len(repo.find(rec.Pair, phase="active")) == 1
        assert len(repo.find(rec.Pair, phase=[rec.Phase.ACTIVE, rec.Phase.ENDED_EARLY])) == 2
        assert len(repo.find(rec.Pair, phase_since=T0)) == 1
        assert len(repo.find(rec.Pair, midpoint_on=pair.midpoint_on)) == 2


def test_first_returns_the_earliest_match_or_none(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.add(person(1, locale="en"))
        second = repo.add(person(2, locale="sv"))
        repo.add(person(3, locale="sv"))
    with store.transaction() as repo:
        assert repo.first(rec.Person, locale="sv") == second
        assert repo.first(rec.Person, locale="fi") is None


def test_update_bumps_version(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1))
    with store.transaction() as repo:
        saved = repo.update(added.model_copy(update={"display_name": "Renamed"}))
    assert saved.version == 2
    with store.transaction() as repo:
        assert repo.get(rec.Person, saved.id or 0) == saved


def test_stale_update_is_refused(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1))
    with store.transaction() as repo:
        repo.update(added.model_copy(update={"display_name": "First"}))
    with pytest.raises(Conflict), store.transaction() as repo:
        repo.update(added.model_copy(update={"display_name": "Second"}))
    with store.transaction() as repo:
        current = repo.get(rec.Person, added.id or 0)
    assert current is not None
    assert (current.display_name, current.version) == ("First", 2)


def test_update_of_a_deleted_record_is_refused(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1))
        repo.delete(rec.Person, added.id or 0)
        with pytest.raises(Conflict):
            repo.update(added)


def test_delete_removes_the_record(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1))
    with store.transaction() as repo:
        repo.delete(rec.Person, added.id or 0)
        repo.delete(rec.Person, 12345)  # unknown ids are ignored
    with store.transaction() as repo:
        assert repo.get(rec.Person, added.id or 0) is None


def test_failed_transaction_leaves_nothing_behind(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        kept = repo.add(person(1))

    def change_then_fail() -> None:
        with store.transaction() as repo:
            repo.add(person(2))
            repo.update(kept.model_copy(update={"display_name": "Changed"}))
            repo.enqueue(outbox_item("k1"))
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    with store.transaction() as repo:
        assert repo.find(rec.Person) == [kept]
        assert repo.find(rec.OutboxItem) == []


def test_duplicate_person_identity_is_refused_without_poisoning_the_transaction(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        repo.add(person(1))
        with pytest.raises(DuplicateKey):
            repo.add(person(1, display_name="Twin"))
        other_workspace = repo.add(person(1, workspace="T2"))
        repo.add(person(2))
    with store.transaction() as repo:
        people = repo.find(rec.Person)
    assert [(p.workspace, p.platform_user_id) for p in people] == [
        ("T1", "U1"),
        ("T2", "U1"),
        ("T1", "U2"),
    ]
    assert other_workspace in people


def test_duplicate_receipt_key_is_refused_without_poisoning_the_transaction(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        repo.add(rec.Receipt(key="slack:Ev1", created_at=T0))
    with store.transaction() as repo:
        with pytest.raises(DuplicateKey):
            repo.add(rec.Receipt(key="slack:Ev1", created_at=T0))
        repo.add(rec.Receipt(key="slack:Ev2", created_at=T0))
    with store.transaction() as repo:
        assert [r.key for r in repo.find(rec.Receipt)] == ["slack:Ev1", "slack:Ev2"]


def test_update_into_an_existing_identity_is_refused(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.add(person(1))
        second = repo.add(person(2))
        with pytest.raises(DuplicateKey):
            repo.update(second.model_copy(update={"platform_user_id": "U1"}))
        renamed = repo.update(second.model_copy(update={"display_name": "Still here"}))
    assert renamed.version == 2


def test_enqueue_queues_each_key_once(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        assert repo.enqueue(outbox_item("reflection:1:2026-W10")) is True
        assert repo.enqueue(outbox_item("reflection:1:2026-W10", kind="other")) is False
    with store.transaction() as repo:
        assert repo.enqueue(outbox_item("reflection:1:2026-W10")) is False
        assert repo.enqueue(outbox_item("reflection:1:2026-W11")) is True
    with store.transaction() as repo:
        items = repo.find(rec.OutboxItem)
    assert [(i.key, i.kind, i.version) for i in items] == [
        ("reflection:1:2026-W10", "reflection-prompt", 1),
        ("reflection:1:2026-W11", "reflection-prompt", 1),
    ]


def test_datetimes_come_back_aware_and_equal(store: StoreAndOutbox) -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    local = datetime(2026, 7, 1, 14, 0, 0, 123456, tzinfo=stockholm_summer)
    with store.transaction() as repo:
        added = repo.add(person(1, created_at=local, erased_at=None))
    with store.transaction() as repo:
        loaded = repo.get(rec.Person, added.id or 0)
    assert loaded is not None
    assert loaded.created_at == local
    assert loaded.created_at.utcoffset() is not None
    assert loaded.erased_at is None


def test_dates_and_times_round_trip(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1, reflection_time=time(16, 45), paused_until=date(2026, 12, 24)))
    with store.transaction() as repo:
        loaded = repo.get(rec.Person, added.id or 0)
    assert loaded is not None
    assert (loaded.reflection_time, loaded.paused_until) == (time(16, 45), date(2026, 12, 24))


def test_json_lists_and_dicts_round_trip(store: StoreAndOutbox) -> None:
    answers = {"rating": 4, "texts": ["ja", "nej"], "nested": {"ok": True, "none": None}}
    with store.transaction() as repo:
        review = repo.add(
            rec.Review(pair_id=1, person_id=2, kind="midpoint", answers=answers, created_at=T0)
        )
        someone = repo.add(person(1, work_days=[0, 2, 4]))
    with store.transaction() as repo:
        loaded_review = repo.get(rec.Review, review.id or 0)
        loaded_person = repo.get(rec.Person, someone.id or 0)
    assert loaded_review is not None
    assert loaded_person is not None
    assert loaded_review.answers == answers
    assert loaded_person.work_days == [0, 2, 4]


def test_enums_round_trip(store: StoreAndOutbox) -> None:
    programme = next(r for r in one_of_each() if isinstance(r, rec.Programme))
    enrolment = next(r for r in one_of_each() if isinstance(r, rec.Enrolment))
    with store.transaction() as repo:
        p = repo.add(programme)
        e = repo.add(enrolment)
    with store.transaction() as repo:
        loaded_programme = repo.get(rec.Programme, p.id or 0)
        loaded_enrolment = repo.get(rec.Enrolment, e.id or 0)
    assert loaded_programme is not None
    assert loaded_enrolment is not None
    assert loaded_programme.purposes == [rec.Purpose.CAREER, rec.Purpose.LEADERSHIP]
    assert all(type(p) is rec.Purpose for p in loaded_programme.purposes)
    assert type(loaded_enrolment.role) is rec.Role
    assert loaded_enrolment.role is rec.Role.ADEPT


def test_returned_records_are_copies(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1, work_days=[0]))
    added.work_days.append(6)
    with store.transaction() as repo:
        loaded = repo.get(rec.Person, added.id or 0)
        assert loaded is not None
        loaded.work_days.append(5)
        assert repo.get(rec.Person, added.id or 0) == loaded.model_copy(update={"work_days": [0]})


# --- Lean reads (Repo.columns) --------------------------------------------------------------


def one_of_each_of(cls: type[R]) -> R:
    return next(r for r in one_of_each() if isinstance(r, cls))


def test_columns_returns_the_named_fields_of_matching_rows_in_id_order(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        ids = [repo.add(person(n, locale="en" if n % 2 else "sv")).id for n in range(1, 6)]
    with store.transaction() as repo:
        rows = repo.columns(rec.Person, ["id", "platform_user_id"], locale="en")
        by_set = repo.columns(rec.Person, ("platform_user_id",), id={ids[3], ids[1], 999})
        none = repo.columns(rec.Person, ["id"], id=[])
    assert rows == [(ids[0], "U1"), (ids[2], "U3"), (ids[4], "U5")]
    assert by_set == [("U2",), ("U4",)]
    assert none == []


def test_columns_gives_values_as_the_records_hold_them(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(
            person(
                1,
                work_days=[0, 2],
                reflection_time=time(9, 30),
                paused_until=date(2026, 5, 1),
                erased_at=datetime(2026, 3, 2, 11, 30, tzinfo=timezone(timedelta(hours=2))),
            )
        )
        item = repo.add(outbox_item("k1", due_at=T0 + timedelta(hours=1), payload={"a": [1]}))
        programme = repo.add(one_of_each_of(rec.Programme))
        pair = repo.add(
            one_of_each_of(rec.Pair).model_copy(update={"phase": rec.Phase.GOALS, "ended_at": None})
        )
    names = ["work_days", "reflection_time", "paused_until", "erased_at", "created_at"]
    with store.transaction() as repo:
        (values,) = repo.columns(rec.Person, names, id=added.id)
        (outbox,) = repo.columns(rec.OutboxItem, ["key", "due_at", "payload"], key={"k1"})
        (purposes,) = repo.columns(rec.Programme, ["purposes"], id=programme.id)
        (phase,) = repo.columns(rec.Pair, ["phase"], id=pair.id, ended_at=None)
    assert values == tuple(getattr(added, n) for n in names)
    assert values[3] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert values[3].utcoffset() == timedelta(0)
    assert outbox == (item.key, item.due_at, {"a": [1]})
    assert outbox[1].tzinfo is not None
    assert purposes == (programme.purposes,)
    assert phase == (rec.Phase.GOALS,)
    assert isinstance(phase[0], rec.Phase)


def test_columns_values_are_copies(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1, work_days=[0]))
    with store.transaction() as repo:
        ((days,),) = repo.columns(rec.Person, ["work_days"], id=added.id)
        days.append(6)
        assert repo.columns(rec.Person, ["work_days"], id=added.id) == [([0],)]


def test_columns_sees_the_transactions_own_writes_and_refuses_unknown_fields(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        added = repo.add(person(1))
        repo.update(added.model_copy(update={"display_name": "Renamed"}))
        assert repo.columns(rec.Person, ["display_name"]) == [("Renamed",)]
        with pytest.raises(AttributeError):
            repo.columns(rec.Person, ["no_such_field"])


# The planner's wake-ups ---------------------------------------------------------------------


def wakes(store: StoreAndOutbox) -> dict[str, rec.PlanWake]:
    with store.transaction() as repo:
        return {w.subject: w for w in repo.find(rec.PlanWake)}


def test_writing_a_planned_record_wakes_its_subjects(store: StoreAndOutbox) -> None:
    sample = {type(r): r for r in one_of_each()}
    with store.transaction() as repo:
        mentor = repo.add(person(1))
        adept = repo.add(person(2))
        assert repo.find(rec.PlanWake, changed=True)  # in the same transaction
        pair = repo.add(
            sample[rec.Pair].model_copy(update={"mentor_id": mentor.id, "adept_id": adept.id})
        )
        repo.add(sample[rec.Receipt])  # not read by the planner: wakes nothing
    found = wakes(store)
    assert set(found) == {f"person:{mentor.id}", f"person:{adept.id}", f"pair:{pair.id}"}
    assert {(w.changed, w.wake_at) for w in found.values()} == {(True, EPOCH)}
    with store.transaction() as repo:
        repo.settle_wakes([(s, w.version, T0) for s, w in found.items()])
    assert {w.changed for w in wakes(store).values()} == {False}
    with store.transaction() as repo:
        meeting = repo.add(sample[rec.Meeting].model_copy(update={"pair_id": pair.id}))
    assert [s for s, w in wakes(store).items() if w.changed] == [f"pair:{pair.id}"]
    version = wakes(store)[f"pair:{pair.id}"].version
    with store.transaction() as repo:
        repo.settle_wakes([(f"pair:{pair.id}", version, T0)])
        repo.delete(rec.Meeting, meeting.id or 0)
    assert [s for s, w in wakes(store).items() if w.changed] == [f"pair:{pair.id}"]


def test_due_wakes_are_the_earliest_first_and_bounded(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.settle_wakes(
            [
                ("pair:1", None, T0 + timedelta(hours=2)),
                ("pair:2", None, T0),
                ("pair:3", None, T0 + timedelta(hours=1)),
                ("pair:4", None, T0 + timedelta(days=1)),
            ]
        )
        repo.wake(["person:9"])
    with store.transaction() as repo:
        assert [w.subject for w in repo.due_wakes(T0 + timedelta(hours=3), 10)] == [
            "person:9",
            "pair:2",
            "pair:3",
            "pair:1",
        ]
        assert [w.subject for w in repo.due_wakes(T0 + timedelta(hours=3), 2)] == [
            "person:9",
            "pair:2",
        ]
        assert [w.subject for w in repo.due_wakes(T0 - timedelta(seconds=1), 10)] == ["person:9"]


def test_settling_keeps_a_wake_that_changed_meanwhile(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        repo.wake(["pair:1", "pair:2"])
    with store.transaction() as repo:
        read = {w.subject: w.version for w in repo.due_wakes(T0, 10)}
    with store.transaction() as repo:  # a change committed while the planner was planning
        repo.wake(["pair:1"])
    with store.transaction() as repo:
        repo.settle_wakes([(s, v, T0 + timedelta(days=1)) for s, v in read.items()])
        repo.settle_wakes([("pair:2", None, T0)])  # a row exists by now: left alone
    found = wakes(store)
    assert (found["pair:1"].changed, found["pair:1"].wake_at) == (True, EPOCH)
    assert (found["pair:2"].changed, found["pair:2"].wake_at) == (False, T0 + timedelta(days=1))


def test_a_rolled_back_wake_is_gone(store: StoreAndOutbox) -> None:
    def fail() -> None:
        with store.transaction() as repo:
            repo.add(person(1))
            raise Boom

    with pytest.raises(Boom):
        fail()
    assert wakes(store) == {}


def test_at_least_filters_by_lower_bound(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        for n in range(3):
            repo.enqueue(outbox_item(f"k{n}", due_at=T0 + timedelta(hours=n)))
        found = repo.columns(rec.OutboxItem, ("key",), due_at=AtLeast(T0 + timedelta(hours=1)))
    assert found == [("k1",), ("k2",)]


def test_or_field_finds_a_persons_pairs_as_mentor_or_as_adept_in_one_read(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        as_adept = repo.add(pair(3, 1, rec.Phase.ACTIVE))
        repo.add(pair(2, 3, rec.Phase.ACTIVE))  # person 1 not in it
        as_mentor = repo.add(pair(1, 4, rec.Phase.ACTIVE))
        ended = repo.add(pair(1, 5, rec.Phase.COMPLETED))
    with store.read() as reader:
        mine = OrField("adept_id", 1)
        assert [p.id for p in reader.find(rec.Pair, mentor_id=mine)] == [
            as_adept.id,
            as_mentor.id,
            ended.id,
        ]
        active = reader.columns(rec.Pair, ["id"], mentor_id=mine, phase=[rec.Phase.ACTIVE])
        assert active == [(as_adept.id,), (as_mentor.id,)]
        found = reader.first(rec.Pair, mentor_id=mine, phase=rec.Phase.COMPLETED)
        assert found is not None and found.id == ended.id
        assert reader.find(rec.Pair, mentor_id=OrField("adept_id", 9)) == []
        with pytest.raises(AttributeError):
            reader.find(rec.Pair, mentor_id=OrField("no_such_field", 1))


def test_first_referred_reads_a_record_and_whether_another_refers_to_it_in_one_read(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        mentor, adept, ended, alone, elsewhere = (repo.add(person(n)) for n in (1, 2, 3, 4, 5))
        assert None not in (mentor.id, adept.id, ended.id, alone.id, elsewhere.id)
        repo.add(pair(mentor.id or 0, adept.id or 0, rec.Phase.ACTIVE, workspace="T1"))
        repo.add(pair(ended.id or 0, alone.id or 0, rec.Phase.COMPLETED, workspace="T1"))
        repo.add(pair(elsewhere.id or 0, 99, rec.Phase.ACTIVE, workspace="T2"))
    in_open_pair = Referred(
        rec.Pair,
        ("mentor_id", "adept_id"),
        {"phase": [rec.Phase.INTRO, rec.Phase.ACTIVE], "workspace": "T1"},
    )
    with store.read() as reader:

        def asked(n: int) -> tuple[int | None, bool] | None:
            found = reader.first_referred(
                rec.Person, in_open_pair, workspace="T1", platform_user_id=f"U{n}"
            )
            return None if found is None else (found[0].id, found[1])

        assert asked(1) == (mentor.id, True)  # as mentor
        assert asked(2) == (adept.id, True)  # as adept
        assert asked(3) == (ended.id, False)  # their pair has ended
        assert asked(4) == (alone.id, False)
        assert asked(5) == (elsewhere.id, False)  # their open pair is of another workspace
        assert asked(6) is None
        found = reader.first_referred(rec.Person, in_open_pair, platform_user_id="U1")
        assert found is not None and found[0] == mentor  # the whole record, as ``first`` reads it
        with pytest.raises(AttributeError):
            reader.first_referred(
                rec.Person, Referred(rec.Pair, ("no_such_field",)), platform_user_id="U1"
            )


def test_a_flood_of_changes_leaves_half_of_a_tick_to_what_is_due_by_time(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        repo.settle_wakes([(f"pair:{n}", None, T0 + timedelta(minutes=n)) for n in range(1, 6)])
        repo.wake([f"person:{n}" for n in range(1, 6)])
    now = T0 + timedelta(hours=1)
    with store.transaction() as repo:
        both = [w.subject for w in repo.due_wakes(now, 4)]
        changes_only = [w.subject for w in repo.due_wakes(T0 - timedelta(hours=1), 4)]
        mostly_changes = [w.subject for w in repo.due_wakes(T0 + timedelta(minutes=1), 4)]
    assert both == ["person:1", "person:2", "pair:1", "pair:2"]
    assert changes_only == ["person:1", "person:2", "person:3", "person:4"]
    assert mostly_changes == ["person:1", "person:2", "person:3", "pair:1"]
