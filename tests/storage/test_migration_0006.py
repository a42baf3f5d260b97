"""Migration 0006 makes four looked-up-then-inserted keys unique, on databases that already
hold duplicates: the upgrade never fails, and what it keeps is the newest (or, for
agreements, everything, renumbered)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conversations import records as rec
from conversations.ports import DuplicateKey
from storage.migrate import current, head, upgrade
from storage.store import SqlStore
from tests.storage.migration_steps import KINDS, database_at, downgrade, insert
from tests.storage.samples import T0, one_of_each


@pytest.fixture(params=KINDS)
def url_at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each SQL kind, migrated to 0005 (before the unique keys)."""
    return database_at(request, tmp_path, "0005")


def test_upgrade_keeps_the_newest_state_check_in_and_preparation_of_each_key(
    url_at_0005: str,
) -> None:
    sample = {type(r): r for r in one_of_each()}
    later = T0 + timedelta(hours=1)
    state, check_in, prep = (
        sample[rec.ConversationState],
        sample[rec.CheckIn],
        sample[rec.Preparation],
    )
    ids = insert(
        url_at_0005,
        [
            state.model_copy(update={"person_id": 1, "updated_at": later, "awaiting": "new"}),
            state.model_copy(update={"person_id": 1, "updated_at": T0, "awaiting": "old"}),
            state.model_copy(update={"person_id": 2, "awaiting": "alone"}),
            check_in.model_copy(update={"meeting_id": 5, "author_id": 1, "created_at": T0}),
            check_in.model_copy(update={"meeting_id": 5, "author_id": 1, "created_at": T0}),
            check_in.model_copy(update={"meeting_id": 5, "author_id": 2}),
            check_in.model_copy(update={"meeting_id": None, "author_id": 1}),
            check_in.model_copy(update={"meeting_id": None, "author_id": 1}),
            prep.model_copy(update={"meeting_id": 5, "author_id": 1, "created_at": later}),
            prep.model_copy(update={"meeting_id": 5, "author_id": 1, "created_at": T0}),
        ],
    )
    upgrade(url_at_0005)
    assert current(url_at_0005) == head()
    store = SqlStore(url_at_0005)
    try:
        with store.transaction() as repo:
            states = {(s.person_id, s.awaiting) for s in repo.find(rec.ConversationState)}
            check_ins = [c.id for c in repo.find(rec.CheckIn)]
            preps = [p.id for p in repo.find(rec.Preparation)]
    finally:
        store.close()
    assert states == {(1, "new"), (2, "alone")}
    # Same time: the higher id is the newer. Check-ins without a meeting are all kept.
    assert check_ins == [ids[4], ids[5], ids[6], ids[7]]
    assert preps == [ids[8]]


def test_upgrade_renumbers_a_pairs_agreements_in_the_order_they_were_made(
    url_at_0005: str,
) -> None:
    agreement = {type(r): r for r in one_of_each()}[rec.Agreement]

    def made(pair: int, number: int, minutes: int) -> rec.Agreement:
        at = T0 + timedelta(minutes=minutes)
        return agreement.model_copy(update={"pair_id": pair, "number": number, "created_at": at})

    ids = insert(
        url_at_0005,
        [made(1, 1, 0), made(1, 2, 10), made(1, 2, 5), made(1, 3, 20), made(2, 1, 0)],
    )
    upgrade(url_at_0005)
    store = SqlStore(url_at_0005)
    try:
        with store.transaction() as repo:
            numbers = {a.id: (a.pair_id, a.number) for a in repo.find(rec.Agreement)}
            with pytest.raises(DuplicateKey):
                repo.add(made(2, 1, 30))
    finally:
        store.close()
    assert numbers == {
        ids[0]: (1, 1),
        ids[2]: (1, 2),  # the earlier of the two number 2s
        ids[1]: (1, 3),
        ids[3]: (1, 4),
        ids[4]: (2, 1),  # a pair with no repeated number is left alone
    }


def test_upgrade_keeps_the_newest_goal_at_each_position_with_all_ratings(
    url_at_0005: str,
) -> None:
    sample = {type(r): r for r in one_of_each()}
    goal, rating = sample[rec.Goal], sample[rec.GoalRating]
    later = T0 + timedelta(days=1)
    older, newer, other = insert(
        url_at_0005,
        [
            goal.model_copy(update={"pair_id": 1, "position": 1, "text": "old"}),
            goal.model_copy(
                update={"pair_id": 1, "position": 1, "text": "new", "created_at": later}
            ),
            goal.model_copy(update={"pair_id": 1, "position": 2, "text": "other"}),
        ],
    )
    insert(
        url_at_0005,
        [
            rating.model_copy(update={"goal_id": older, "rating": 2, "context": "start"}),
            rating.model_copy(update={"goal_id": newer, "rating": 3, "context": "start"}),
            rating.model_copy(update={"goal_id": other, "rating": 5, "context": "start"}),
        ],
    )
    upgrade(url_at_0005)
    store = SqlStore(url_at_0005)
    try:
        with store.transaction() as repo:
            goals = {g.id: g.text for g in repo.find(rec.Goal)}
            ratings = sorted((r.goal_id, r.rating) for r in repo.find(rec.GoalRating))
    finally:
        store.close()
    assert goals == {newer: "new", other: "other"}
    assert ratings == sorted([(newer, 2), (newer, 3), (other, 5)])


def test_upgrade_keeps_the_newest_midpoint_and_closing_review_and_every_pulse_answer(
    url_at_0005: str,
) -> None:
    review = {type(r): r for r in one_of_each()}[rec.Review]
    later = T0 + timedelta(days=1)

    def by(person: int, kind: str, at: datetime = T0) -> rec.Review:
        return review.model_copy(
            update={"pair_id": 1, "person_id": person, "kind": kind, "created_at": at}
        )

    ids = insert(
        url_at_0005,
        [
            by(1, "closing", later),
            by(1, "closing"),
            by(2, "closing"),
            by(1, "midpoint"),
            by(1, "pulse"),
            by(1, "pulse"),
        ],
    )
    upgrade(url_at_0005)
    store = SqlStore(url_at_0005)
    try:
        with store.transaction() as repo:
            kept = [r.id for r in repo.find(rec.Review)]
    finally:
        store.close()
    assert kept == [ids[0], *ids[2:]]


def test_downgrade_to_0005_removes_the_unique_keys(url_at_0005: str) -> None:
    upgrade(url_at_0005)
    downgrade(url_at_0005, "0005")
    state = {type(r): r for r in one_of_each()}[rec.ConversationState]
    insert(url_at_0005, [state, state])  # allowed again
    assert current(url_at_0005) == "0005"
