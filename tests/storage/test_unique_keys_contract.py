"""The keys the flows look up before they insert are unique in every store (the in-memory
one too), so a clash between two workers is a ``DuplicateKey`` the engine retries, never a
second row (see ``conversations.unique_keys``)."""

from __future__ import annotations

import pytest

from conversations import records as rec
from conversations.ports import DuplicateKey
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import one_of_each

SAMPLE = {type(r): r for r in one_of_each()}

CLASHES = [
    (rec.ConversationState, {"person_id": 1}, {"person_id": 2}),
    (rec.Agreement, {"pair_id": 1, "number": 2}, {"pair_id": 1, "number": 3}),
    (rec.Goal, {"pair_id": 1, "position": 1}, {"pair_id": 2, "position": 1}),
    (rec.Review, {"person_id": 1, "kind": "midpoint"}, {"person_id": 1, "kind": "closing"}),
    (rec.CheckIn, {"meeting_id": 4, "author_id": 1}, {"meeting_id": 4, "author_id": 2}),
    (rec.Preparation, {"meeting_id": 4, "author_id": 1}, {"meeting_id": 5, "author_id": 1}),
]


@pytest.mark.parametrize(("cls", "key", "other_key"), CLASHES, ids=[c[0].__name__ for c in CLASHES])
def test_a_second_row_with_the_same_key_is_refused_and_the_transaction_goes_on(
    store: StoreAndOutbox, cls: type[rec.Record], key: dict[str, int], other_key: dict[str, int]
) -> None:
    sample = SAMPLE[cls]
    with store.transaction() as repo:
        first = repo.add(sample.model_copy(update=key))
    with store.transaction() as repo:
        with pytest.raises(DuplicateKey):
            repo.add(sample.model_copy(update=key))
        other = repo.add(sample.model_copy(update=other_key))
    with store.transaction() as repo:
        assert [r.id for r in repo.find(cls)] == [first.id, other.id]


@pytest.mark.parametrize(("cls", "key", "other_key"), CLASHES, ids=[c[0].__name__ for c in CLASHES])
def test_an_update_onto_a_taken_key_is_refused(
    store: StoreAndOutbox, cls: type[rec.Record], key: dict[str, int], other_key: dict[str, int]
) -> None:
    with store.transaction() as repo:
        repo.add(SAMPLE[cls].model_copy(update=key))
        other = repo.add(SAMPLE[cls].model_copy(update=other_key))
        with pytest.raises(DuplicateKey):
            repo.update(other.model_copy(update=key))


def test_check_ins_without_a_meeting_never_clash(store: StoreAndOutbox) -> None:
    loose = SAMPLE[rec.CheckIn].model_copy(update={"meeting_id": None, "author_id": 1})
    with store.transaction() as repo:
        repo.add(loose)
        repo.add(loose)
    with store.transaction() as repo:
        assert len(repo.find(rec.CheckIn, meeting_id=None)) == 2


def test_pulse_answers_repeat_but_a_members_closing_review_does_not(
    store: StoreAndOutbox,
) -> None:
    pulse = SAMPLE[rec.Review].model_copy(update={"person_id": 1, "kind": "pulse"})
    with store.transaction() as repo:
        repo.add(pulse.model_copy(update={"answers": {"round": 1}}))
        repo.add(pulse.model_copy(update={"answers": {"round": 2}}))
        closing = repo.add(pulse.model_copy(update={"kind": "closing"}))
        repo.add(closing.model_copy(update={"id": None, "person_id": 2}))
        with pytest.raises(DuplicateKey):
            repo.add(closing.model_copy(update={"id": None}))
        with pytest.raises(DuplicateKey):  # nor may a pulse answer turn into a second one
            repo.update(
                repo.find(rec.Review, kind="pulse")[0].model_copy(update={"kind": "closing"})
            )
    with store.transaction() as repo:
        assert sorted(r.kind for r in repo.find(rec.Review)) == [
            "closing",
            "closing",
            "pulse",
            "pulse",
        ]
