"""The note a coordinator gets when a message could not be delivered for good: who it was for
and what they can do, in the coordinator's language; the platform's error code stays with the
operators."""

from __future__ import annotations

import pytest

from conversations.failure_notes import report_failure
from conversations.failure_wording import failure_kind
from conversations.records import OutboxItem, Person
from tests.conversations.harness import Bot, paired

CODES = [
    ("user_not_found", "gone"),
    ("account_inactive", "gone"),
    ("unreachable: recipient is gone", "gone"),
    ("recipient is not on Slack", "gone"),
    ("unreachable: teams_forbidden: Mentorbot is not installed", "not_installed"),
    ("workspace_revoked: T0001", "workspace"),
    ("token_revoked", "workspace"),
    ("not_in_channel", "access"),
    ("files_not_shared: upload_failed", "files"),
    ("msg_too_long", "content"),
    ("http_418", "other"),
]


@pytest.mark.parametrize(("code", "kind"), CODES)
def test_each_platform_error_is_sorted_into_a_kind_the_coordinator_can_act_on(
    code: str, kind: str
) -> None:
    assert failure_kind(code) == kind


@pytest.mark.parametrize(
    ("language", "foreign"),
    [("sv", {"message", "delivered", "workspace"}), ("en", {"meddelande", "levereras"})],
)
def test_the_note_names_the_person_in_the_coordinators_language_and_never_the_code(
    bot: Bot, language: str, foreign: set[str]
) -> None:
    paired(bot)
    with bot.store.transaction() as repo:
        kim = repo.first(Person, platform_user_id="kim")
        bo = repo.first(Person, platform_user_id="bo")
        assert kim is not None and bo is not None
        repo.update(kim.model_copy(update={"locale": language}))
        for code, _ in CODES:
            assert report_failure(repo, key=code, error=code, now=bot.clock.now(), person_id=bo.id)
        notes = repo.find(OutboxItem, kind="delivery-failed-coordinator")
    assert len(notes) == len(CODES)
    for (code, kind), note in zip(CODES, sorted(notes, key=lambda n: n.id or 0), strict=True):
        told = str(note.payload)
        assert code.split(":")[0] not in told
        assert (" bo " in told) == (kind != "workspace")  # a removed workspace: the programme
        assert not {w for w in foreign if w in told.lower()}
