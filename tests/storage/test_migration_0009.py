"""Migration 0009 makes a person's active enrolment and open invitation in a programme unique,
on databases that already hold repeats: the upgrade never fails, it keeps the enrolment they
agreed to (else the newest) and the newest open invitation, and leaves every other row."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from conversations import records as rec
from conversations.ports import DuplicateKey
from storage.migrate import current, upgrade
from storage.store import SqlStore
from tests.storage.migration_steps import KINDS, database_at, downgrade, insert
from tests.storage.samples import T0, one_of_each


@pytest.fixture(params=KINDS)
def url_at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each SQL kind, migrated to 0008 (before these keys)."""
    return database_at(request, tmp_path, "0008")


def _enrolment(person: int, hours: int, **changes: object) -> rec.Enrolment:
    sample = {type(r): r for r in one_of_each()}[rec.Enrolment]
    fields = {"programme_id": 1, "person_id": person, "consent_at": None}
    fields |= {"status": rec.EnrolmentStatus.ACTIVE, "created_at": T0 + timedelta(hours=hours)}
    return sample.model_copy(update=fields | changes)


def _invitation(person: int, hours: int, **changes: object) -> rec.Invitation:
    sample = {type(r): r for r in one_of_each()}[rec.Invitation]
    fields = {"programme_id": 1, "person_id": person, "status": rec.InvitationStatus.INVITED}
    return sample.model_copy(update=fields | {"sent_at": T0 + timedelta(hours=hours)} | changes)


def test_upgrade_keeps_the_agreed_enrolment_and_the_newest_open_invitation(
    url_at_0008: str,
) -> None:
    enrolments = insert(
        url_at_0008,
        [
            _enrolment(1, 0),  # by hand, never agreed to: goes
            _enrolment(1, 1, consent_at=T0 + timedelta(hours=1)),  # the intake's: kept
            _enrolment(1, 2),  # newer, not agreed to: goes
            _enrolment(1, 3, status=rec.EnrolmentStatus.LEFT),  # not active: kept
            _enrolment(2, 0),  # not repeated: kept
            _enrolment(3, 0),  # neither agreed to: the newer is kept
            _enrolment(3, 1),
        ],
    )
    invitations = insert(
        url_at_0008,
        [
            _invitation(1, 0),  # an older open one: goes
            _invitation(1, 1),  # the newest open one: kept
            _invitation(1, 2, status=rec.InvitationStatus.DECLINED),  # answered: kept
            _invitation(2, 0),
        ],
    )
    upgrade(url_at_0008, "0009")  # this revision alone: 0010 closes invitations
    store = SqlStore(url_at_0008)
    try:
        with store.read() as repo:
            kept_enrolments = [e.id for e in repo.find(rec.Enrolment)]
            kept_invitations = [i.id for i in repo.find(rec.Invitation)]
        assert kept_enrolments == [enrolments[i] for i in (1, 3, 4, 6)]
        assert kept_invitations == invitations[1:]
        with store.transaction() as repo, pytest.raises(DuplicateKey):
            repo.add(_enrolment(2, 5))  # a second active enrolment is refused now
        with store.transaction() as repo:
            repo.add(_enrolment(2, 5, status=rec.EnrolmentStatus.DECLINED))  # others are not
            with pytest.raises(DuplicateKey):
                repo.add(_invitation(2, 5))
    finally:
        store.close()


def test_downgrade_to_0008_removes_the_keys(url_at_0008: str) -> None:
    upgrade(url_at_0008, "0009")
    downgrade(url_at_0008, "0008")
    insert(url_at_0008, [_enrolment(1, 0), _enrolment(1, 1)])  # allowed again
    assert current(url_at_0008) == "0008"
