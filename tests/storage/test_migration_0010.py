"""Migration 0010 closes the invitations a coordinator's enrolment by hand left open (before
`enroll` closed them itself), and only those; the downgrade leaves what older code reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations import records as rec
from storage.migrate import current, upgrade
from storage.store import SqlStore
from tests.storage.migration_steps import KINDS, database_at, downgrade, insert
from tests.storage.samples import one_of_each


@pytest.fixture(params=KINDS)
def url_at_0009(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_at(request, tmp_path, "0009")


def _sample(cls: type[rec.Record], person: int, status: str) -> rec.Record:
    sample = {type(r): r for r in one_of_each()}[cls]
    return sample.model_copy(update={"programme_id": 1, "person_id": person, "status": status})


def _statuses(url: str) -> dict[int, str]:
    store = SqlStore(url)
    try:
        with store.read() as repo:
            return {i.id or 0: i.status for i in repo.find(rec.Invitation)}
    finally:
        store.close()


def test_upgrade_closes_open_invitations_beside_an_active_enrolment(url_at_0009: str) -> None:
    insert(
        url_at_0009,
        [
            _sample(rec.Enrolment, 1, "active"),  # enrolled by hand while invited
            _sample(rec.Enrolment, 2, "declined"),  # no longer enrolled
        ],
    )
    invitations = insert(
        url_at_0009,
        [
            _sample(rec.Invitation, 1, "invited"),  # closed
            _sample(rec.Invitation, 1, "declined"),  # answered: as it was
            _sample(rec.Invitation, 2, "invited"),  # the enrolment is not active: open
            _sample(rec.Invitation, 3, "invited"),  # not enrolled: open
        ],
    )
    upgrade(url_at_0009)
    assert current(url_at_0009) == "0010"
    assert list(_statuses(url_at_0009).values()) == ["enrolled", "declined", "invited", "invited"]
    downgrade(url_at_0009, "0009")
    assert _statuses(url_at_0009)[invitations[0]] == "accepted"  # what older code calls enrolled
