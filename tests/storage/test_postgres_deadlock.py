"""PostgreSQL breaks a deadlock by aborting one transaction: the store turns that into the
``Conflict`` its callers already retry (the engine runs the turn again; the next tick plans
again), instead of a crash."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from conversations import records as rec
from conversations.ports import Conflict
from storage.store import SqlStore
from tests.storage.samples import person


@pytest.mark.postgres
def test_the_transaction_aborted_by_a_deadlock_raises_conflict_and_the_other_commits(
    migrated_pg_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(migrated_pg_url)
    with store.transaction() as repo:
        first, second = repo.add(person(1)), repo.add(person(2))
    both_hold_one = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def rename(name: str, one: rec.Person, other: rec.Person) -> None:
        try:
            with store.transaction() as repo:
                repo.update(one.model_copy(update={"display_name": name}))
                both_hold_one.wait(timeout=10)
                repo.update(other.model_copy(update={"display_name": name}))
            outcome[name] = "committed"
        except Conflict:
            outcome[name] = "conflict"
        except Exception as error:  # pragma: no cover - reported by the assert below
            outcome[name] = repr(error)

    threads = [
        threading.Thread(target=rename, args=("one", first, second)),
        threading.Thread(target=rename, args=("two", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcome.values()) == ["committed", "conflict"]
    winner = next(name for name, result in outcome.items() if result == "committed")
    with store.transaction() as repo:
        names = {p.display_name for p in repo.find(rec.Person)}
    assert names == {winner}
