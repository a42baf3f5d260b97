"""The outbox port on every store (in memory, SQLite, PostgreSQL): claims are leases, and a
row's marks change it only from the states they name and, but for 'sent', only for its
holder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from conversations import records as rec
from conversations.ports import LEASE
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import T0, outbox_item

A, B = "dispatcher-a", "dispatcher-b"
MINUTE = timedelta(minutes=1)


def _enqueue(store: StoreAndOutbox, *items: rec.OutboxItem) -> None:
    with store.transaction() as repo:
        for item in items:
            assert repo.enqueue(item)


def _row(store: StoreAndOutbox, item_id: int | None) -> rec.OutboxItem:
    with store.transaction() as repo:
        row = repo.get(rec.OutboxItem, item_id or 0)
    assert row is not None
    return row


def _claim_one(store: StoreAndOutbox, holder: str = A, at: datetime = T0) -> rec.OutboxItem:
    (item,) = store.claim_due(at, 1, holder, LEASE)
    return item


def test_claim_due_returns_only_due_rows_oldest_first(store: StoreAndOutbox) -> None:
    _enqueue(
        store,
        outbox_item("later", T0 + timedelta(minutes=5)),
        outbox_item("second", T0 - timedelta(minutes=1)),
        outbox_item("first", T0 - timedelta(hours=1)),
        outbox_item("now", T0),
        outbox_item("done", T0 - timedelta(days=1), status="sent"),
    )
    claimed = store.claim_due(T0, 10, A, LEASE)
    assert [i.key for i in claimed] == ["first", "second", "now"]
    assert all(i.status == "claimed" and i.attempts == 0 for i in claimed)  # not tried yet
    assert all(i.lease_holder == A and i.lease_until == T0 + LEASE for i in claimed)
    with store.transaction() as repo:
        stored = {i.key: i for i in repo.find(rec.OutboxItem)}
    assert [stored[i.key] for i in claimed] == list(claimed)
    assert stored["later"].status == "pending" and stored["later"].lease_holder is None


def test_claim_due_respects_the_limit(store: StoreAndOutbox) -> None:
    _enqueue(
        store,
        *(outbox_item(f"k{n}", T0 - timedelta(minutes=10 - n), person_id=n) for n in range(5)),
    )
    assert [i.key for i in store.claim_due(T0, 2, A)] == ["k0", "k1"]
    assert [i.key for i in store.claim_due(T0, 2, B)] == ["k2", "k3"]


def test_one_dispatcher_at_a_time_talks_in_a_conversation(store: StoreAndOutbox) -> None:
    """Rows of a DM or a pair's chat in which another dispatcher holds a row wait for it."""
    _enqueue(
        store,
        outbox_item("dm-1", T0 - MINUTE, person_id=1),
        outbox_item("pair-1", T0 - MINUTE, person_id=None, pair_id=9),
        outbox_item("dm-2", T0, person_id=1),
        outbox_item("pair-2", T0, person_id=None, pair_id=9),
        outbox_item("other-dm", T0, person_id=2),
        outbox_item("member-in-pair", T0, person_id=3, pair_id=9),  # to one member: a DM
    )
    assert [i.key for i in store.claim_due(T0, 2, A)] == ["dm-1", "pair-1"]
    assert [i.key for i in store.claim_due(T0, 10, B)] == ["other-dm", "member-in-pair"]
    assert [i.key for i in store.claim_due(T0, 10, A)] == ["dm-2", "pair-2"]  # A's own
    assert store.claim_due(T0, 10, B) == []


def test_a_conversation_held_by_a_dead_dispatcher_is_free_once_its_lease_ran_out(
    store: StoreAndOutbox,
) -> None:
    _enqueue(store, outbox_item("a", T0 - MINUTE), outbox_item("b", T0))
    assert [i.key for i in store.claim_due(T0, 1, A)] == ["a"]
    assert store.claim_due(T0, 10, B) == []
    assert [i.key for i in store.claim_due(T0 + LEASE, 10, B)] == ["a", "b"]


def test_a_leased_row_is_nobody_elses_until_its_lease_runs_out(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"), outbox_item("b"))
    assert [i.key for i in store.claim_due(T0, 10, A, LEASE)] == ["a", "b"]
    assert store.claim_due(T0 + LEASE - timedelta(seconds=1), 10, B, LEASE) == []
    taken = store.claim_due(T0 + LEASE, 10, B, LEASE)
    assert [(i.key, i.status, i.lease_holder) for i in taken] == [
        ("a", "claimed", B),
        ("b", "claimed", B),
    ]
    assert [i.lease_until for i in taken] == [T0 + 2 * LEASE] * 2


def test_a_renewed_lease_keeps_the_row(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"), outbox_item("b"))
    a, b = store.claim_due(T0, 10, A, LEASE)
    assert store.renew([a.id or 0, b.id or 0], A, T0 + 3 * LEASE) == 2
    assert store.claim_due(T0 + 2 * LEASE, 10, B, LEASE) == []
    assert store.renew([a.id or 0], B, T0 + 9 * LEASE) == 0  # not B's to renew
    assert [i.key for i in store.claim_due(T0 + 3 * LEASE, 10, B, LEASE)] == ["a", "b"]
    assert store.renew([a.id or 0, b.id or 0], A, T0 + 9 * LEASE) == 0  # A lost them


def test_a_sending_row_taken_over_stays_sending_to_be_reconciled(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0 + timedelta(seconds=1), LEASE)
    # A dies here: the platform may or may not have the message.
    assert store.claim_due(T0 + LEASE, 10, B, LEASE) == []  # the lease counts from the send
    (taken,) = store.claim_due(T0 + timedelta(seconds=1) + LEASE, 10, B, LEASE)
    assert (taken.status, taken.lease_holder, taken.attempts) == ("sending", B, 1)
    assert taken.sending_since == T0 + timedelta(seconds=1)
    assert taken.payload == {"text": "a"}  # still there to send again if need be


def test_marks_are_only_for_the_rows_holder(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    row = item.id or 0
    assert not store.mark_sending(row, B, T0)
    assert not store.mark_retry(row, B, T0, "not mine")
    assert not store.mark_failed(row, B, T0, "not mine")
    assert not store.defer(row, B, T0, "not mine")
    assert _row(store, row).status == "claimed"
    assert store.mark_sending(row, A, T0)
    taken = store.claim_due(T0 + LEASE, 10, B, LEASE)
    assert [i.id for i in taken] == [row]
    assert not store.mark_sending(row, A, T0 + LEASE)  # A lost it: A must not send it
    assert not store.mark_retry(row, A, T0 + LEASE, "late")
    # Whoever holds it, a message the platform accepted is sent.
    assert store.mark_sent(row, T0 + LEASE, "1790000000.000100", "D1")
    assert _row(store, row).status == "sent"


def test_mark_sent_records_delivery_and_forgets_the_lease(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a", error=None))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0 + timedelta(seconds=1))
    assert store.mark_sent(item.id or 0, T0 + timedelta(seconds=2), "ts-1", "D0001")
    sent = _row(store, item.id)
    assert (sent.status, sent.sent_at, sent.platform_message_id, sent.error) == (
        "sent",
        T0 + timedelta(seconds=2),
        "ts-1",
        None,
    )
    assert (sent.platform_channel, sent.sending_since) == ("D0001", T0 + timedelta(seconds=1))
    assert (sent.lease_holder, sent.lease_until) == (None, None)
    assert (sent.version, sent.attempts, sent.payload) == (item.version + 2, 1, {})
    assert store.claim_due(T0 + timedelta(days=1), 10, B) == []


def test_a_claimed_row_found_on_the_platform_is_marked_sent(store: StoreAndOutbox) -> None:
    """Reconciliation of a row retried after a timeout found the message there."""
    _enqueue(store, outbox_item("a", sending_since=T0))
    item = _claim_one(store, at=T0 + MINUTE)
    assert store.mark_sent(item.id or 0, T0 + MINUTE, "ts-1", "D1")
    assert _row(store, item.id).status == "sent"


def test_mark_retry_makes_the_row_due_again_later(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0)
    assert store.mark_retry(item.id or 0, A, T0 + timedelta(seconds=30), "429 rate limited")
    retried = _row(store, item.id)
    assert (retried.lease_holder, retried.sending_since) == (None, None)  # Slack said no
    assert store.claim_due(T0 + timedelta(seconds=29), 10, B) == []
    (again,) = store.claim_due(T0 + timedelta(seconds=30), 10, B)
    assert (again.id, again.attempts, again.error) == (item.id, 1, "429 rate limited")


def test_a_retry_after_a_timeout_remembers_when_the_send_began(store: StoreAndOutbox) -> None:
    """The platform may have it: the next attempt looks there from the first send on."""
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0)
    assert store.mark_retry(item.id or 0, A, T0 + MINUTE, "timeout", maybe_sent=True)
    (again,) = store.claim_due(T0 + MINUTE, 10, B)
    assert (again.status, again.sending_since) == ("claimed", T0)
    # Still not confirmed: the second attempt keeps the first one's start.
    assert store.mark_sending(again.id or 0, B, T0 + MINUTE, since=again.sending_since)
    assert _row(store, item.id).sending_since == T0


def test_a_claim_released_untried_uses_no_attempt(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_retry(item.id or 0, A, T0, "held back: conversation paced")
    again = _claim_one(store, B)
    assert again.attempts == 0


def test_a_deferred_row_keeps_its_state_until_it_may_be_tried_again(
    store: StoreAndOutbox,
) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0)
    (taken,) = store.claim_due(T0 + LEASE, 10, B, LEASE)
    assert store.defer(taken.id or 0, B, T0 + LEASE + MINUTE, "ratelimited")
    deferred = _row(store, item.id)
    assert (deferred.status, deferred.lease_holder, deferred.sending_since) == ("sending", None, T0)
    assert store.claim_due(T0 + LEASE + timedelta(seconds=59), 10, A) == []
    (again,) = store.claim_due(T0 + LEASE + MINUTE, 10, A)
    assert (again.status, again.lease_holder) == ("sending", A)


def test_a_conversation_takes_nothing_else_while_a_send_there_may_be_half_done(
    store: StoreAndOutbox,
) -> None:
    """A calendar invitation whose text may be in the chat without its file (a timeout, a
    dispatcher that stopped) is settled before anything else goes into that chat, by
    whichever dispatcher, so that its file comes right after it; other chats go on."""
    _enqueue(
        store,
        outbox_item("invite", T0 - MINUTE),
        outbox_item("next", T0),
        outbox_item("pair-chat", T0, person_id=None, pair_id=9),
        outbox_item("elsewhere", T0, person_id=2),
    )
    invite = _claim_one(store)
    assert store.mark_sending(invite.id or 0, A, T0)
    assert store.mark_retry(invite.id or 0, A, T0 + MINUTE, "timeout", maybe_sent=True)
    others = store.claim_due(T0, 10, B)
    assert [i.key for i in others] == ["pair-chat", "elsewhere"]
    assert all(store.mark_sent(i.id or 0, T0, None) for i in others)
    assert store.claim_due(T0 + timedelta(seconds=10), 10, A) == []  # "next" waits too
    (again,) = store.claim_due(T0 + MINUTE, 10, A)  # the invitation alone, to be reconciled
    assert (again.key, again.sending_since) == ("invite", T0)
    assert store.mark_sending(again.id or 0, A, T0 + MINUTE, since=again.sending_since)
    (taken,) = store.claim_due(T0 + MINUTE + LEASE, 10, B)  # A stopped mid-send: the same
    assert (taken.key, taken.status) == ("invite", "sending")
    assert store.claim_due(T0 + MINUTE + LEASE, 10, B) == []
    assert store.mark_sent(taken.id or 0, T0 + 2 * MINUTE, "1700000000.000100", "D1")
    assert [i.key for i in store.claim_due(T0 + 2 * MINUTE, 10, B)] == ["next"]


def test_marks_change_a_row_only_from_the_states_they_name(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    with store.transaction() as repo:
        pending = repo.find(rec.OutboxItem)[0]
    assert not store.mark_sent(pending.id or 0, T0, "ts")  # never claimed: not sent
    item = _claim_one(store)
    row = item.id or 0
    assert store.mark_sending(row, A, T0)
    assert store.mark_sent(row, T0, "ts")
    assert not store.mark_failed(row, A, T0, "unconfirmed: late")
    assert not store.mark_retry(row, A, T0, "late retry")
    assert not store.mark_sending(row, A, T0)
    assert not store.defer(row, A, T0, "late")
    assert store.claim_due(T0 + timedelta(days=1), 10, B) == []
    assert _row(store, row).status == "sent"


def test_mark_failed_takes_the_row_out_of_delivery(store: StoreAndOutbox) -> None:
    _enqueue(store, outbox_item("a"))
    item = _claim_one(store)
    assert store.mark_sending(item.id or 0, A, T0)
    assert store.mark_failed(item.id or 0, A, T0, "user deactivated")
    failed = _row(store, item.id)
    assert (failed.status, failed.error, failed.attempts) == ("failed", "user deactivated", 1)
    assert failed.payload == {}  # the undelivered text is not kept
    assert failed.lease_holder is None
    assert store.claim_due(T0 + timedelta(days=1), 10, B) == []


def test_outbox_times_are_compared_as_instants(store: StoreAndOutbox) -> None:
    plus_two = timezone(timedelta(hours=2))
    _enqueue(store, outbox_item("a", due_at=datetime(2026, 3, 2, 11, 0, tzinfo=plus_two)))  # 09:00Z
    assert store.claim_due(datetime(2026, 3, 2, 8, 59, tzinfo=UTC), 1, A) == []
    assert len(store.claim_due(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1, A)) == 1
    early = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + LEASE - timedelta(seconds=1)
    assert store.claim_due(early.astimezone(plus_two), 1, B) == []
    assert len(store.claim_due((early + timedelta(seconds=1)).astimezone(plus_two), 1, B)) == 1
