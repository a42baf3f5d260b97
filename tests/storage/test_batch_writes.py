"""The batch writes a tick uses (``enqueue_many``, ``add_many``, ``update_many``), run against
every store (``store`` in conftest.py): what they leave is what one write at a time leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations import records as rec
from conversations.ports import AtLeast, Conflict, DuplicateKey
from conversations.records import OutboxStatus
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import T0, outbox_item, person


def test_enqueue_many_queues_new_keys_once_and_says_which(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        assert repo.enqueue(outbox_item("old"))
    rows = [
        outbox_item("a", T0 + timedelta(minutes=1)),
        outbox_item("old", payload={"text": "again"}),
        outbox_item("b", status=OutboxStatus.SKIPPED, error="weekly cap"),
        outbox_item("a", payload={"text": "twice"}),
    ]
    with store.transaction() as repo:
        assert repo.enqueue_many(rows) == {"a", "b"}
        assert repo.enqueue_many([]) == set()
    with store.read() as repo:
        stored = {o.key: o for o in repo.find(rec.OutboxItem)}
    assert set(stored) == {"old", "a", "b"}
    assert stored["old"].payload == {"text": "old"}  # the one already there is kept
    assert stored["a"].payload == {"text": "a"}  # of a key twice, the first
    assert stored["a"].due_at == T0 + timedelta(minutes=1)
    assert (stored["b"].status, stored["b"].error) == (OutboxStatus.SKIPPED, "weekly cap")
    assert stored["a"].id is not None and stored["b"].id is not None
    assert stored["a"].id < stored["b"].id  # in the order given


def _state(person_id: int, key: str) -> rec.ConversationState:
    return rec.ConversationState(
        person_id=person_id, awaiting="reflection", data={"prompt_key": key}, updated_at=T0
    )


def test_add_many_and_update_many_save_every_record(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        people = [repo.add(person(n)) for n in (1, 2, 3)]
        added = repo.add_many([_state(p.id or 0, "first") for p in people])
    assert [s.version for s in added] == [1, 1, 1]
    assert len({s.id for s in added}) == 3
    with store.transaction() as repo:
        changed = repo.update_many(
            [s.model_copy(update={"data": {"prompt_key": "second"}}) for s in added]
        )
        assert repo.add_many([]) == [] and repo.update_many([]) == []
    assert [s.version for s in changed] == [2, 2, 2]
    with store.read() as repo:
        stored = {s.person_id: s for s in repo.find(rec.ConversationState)}
    assert {s.data["prompt_key"] for s in stored.values()} == {"second"}
    assert [stored[p.id or 0].id for p in people] == [s.id for s in added]


def test_a_stale_record_saves_none_of_the_batch(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        people = [repo.add(person(n)) for n in (1, 2)]
        first, second = repo.add_many([_state(p.id or 0, "first") for p in people])
    with store.transaction() as repo:
        repo.update(second.model_copy(update={"data": {"prompt_key": "meanwhile"}}))
    with pytest.raises(Conflict), store.transaction() as repo:
        repo.update_many(
            [s.model_copy(update={"data": {"prompt_key": "late"}}) for s in (first, second)]
        )
    with store.read() as repo:
        keys = {s.person_id: s.data["prompt_key"] for s in repo.find(rec.ConversationState)}
    assert keys == {people[0].id: "first", people[1].id: "meanwhile"}


def test_a_unique_clash_adds_none_of_the_batch(store: StoreAndOutbox) -> None:
    with store.transaction() as repo:
        people = [repo.add(person(n)) for n in (1, 2)]
        repo.add(_state(people[1].id or 0, "there"))
        with pytest.raises(DuplicateKey):
            repo.add_many([_state(p.id or 0, "new") for p in people])
        # The transaction goes on, without any of the batch.
        assert [s.data["prompt_key"] for s in repo.find(rec.ConversationState)] == ["there"]


def test_rows_queued_in_a_batch_are_found_as_rows_queued_one_at_a_time(
    store: StoreAndOutbox,
) -> None:
    """The batch insert stores timestamps, JSON and statuses as a single insert does: the
    same lookups (a lower bound on ``due_at``, long lists of keys and people) find both."""
    with store.transaction() as repo:
        repo.enqueue(outbox_item("single", T0 + timedelta(hours=1), person_id=1))
        repo.enqueue_many(
            [
                outbox_item(f"batch{n}", T0 + timedelta(hours=n), person_id=n, payload={"n": [n]})
                for n in range(20)
            ]
        )
    keys = {f"batch{n}" for n in range(20)} | {"single", "missing"}
    with store.read() as repo:
        later = repo.columns(rec.OutboxItem, ("key",), due_at=AtLeast(T0 + timedelta(hours=1)))
        by_key = repo.columns(rec.OutboxItem, ("key", "due_at", "payload"), key=keys)
        by_person = repo.columns(rec.OutboxItem, ("key",), person_id=[*range(3, 15), None])
    assert [k for (k,) in later] == ["single"] + [f"batch{n}" for n in range(1, 20)]
    assert len(by_key) == 21
    assert ("batch7", T0 + timedelta(hours=7), {"n": [7]}) in by_key
    assert [k for (k,) in by_person] == [f"batch{n}" for n in range(3, 15)]
