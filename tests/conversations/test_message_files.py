"""A file that comes with a message (a calendar invitation, later a report) reaches the
dispatcher byte for byte: messages to others wait in the outbox as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from conversations.messages import File, Message, text
from conversations.records import OutboxItem
from tests.conversations.harness import Bot

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# Not text: every byte value, so nothing may be decoded or re-encoded on the way.
BYTES = bytes(range(256)) + "möte\r\n".encode()


def _with_file() -> Message:
    return Message(
        sections=text("Bokat").sections,
        files=(File(name="möte.ics", mime_type="text/calendar", content=BYTES),),
    )


def test_a_file_survives_json_as_the_same_bytes() -> None:
    message = _with_file()
    payload = json.loads(json.dumps(message.model_dump(mode="json")))
    assert isinstance(payload["files"][0]["content"], str)  # base64 in the JSON
    back = Message.model_validate(payload)
    assert back == message and back.files[0].content == BYTES
    assert Message.model_validate_json(message.model_dump_json()) == message


def test_a_message_without_files_reads_as_before() -> None:
    stored = {"title": "", "sections": [{"text": "Hej", "facts": []}], "buttons": [], "note": ""}
    assert Message.model_validate(stored).files == ()


def test_a_file_is_refused_with_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        File.model_validate({"name": "a", "mime_type": "b", "content": "", "path": "/etc"})


def test_a_file_waits_in_the_outbox_and_comes_out_whole(bot: Bot) -> None:
    message = _with_file()
    with bot.store.transaction() as repo:
        repo.enqueue(
            OutboxItem(
                key="file-test",
                person_id=1,
                kind="notice",
                payload=message.model_dump(mode="json"),
                due_at=NOW,
                created_at=NOW,
            )
        )
    (item,) = bot.store.claim_due(NOW, 10)
    assert Message.model_validate(item.payload).files[0].content == BYTES
