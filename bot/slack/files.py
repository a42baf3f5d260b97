"""Files that come with a message (a calendar invitation), shared in the conversation the
message went to: slack-sdk's ``files_upload_v2`` (``files.getUploadURLExternal``, the upload
itself, ``files.completeUploadExternal`` with the channel), all of a message's files in one
share. Needs the ``files:write`` scope."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from conversations.messages import File, Message


def files_of(messages: Sequence[Message]) -> list[File]:
    return [file for message in messages for file in message.files]


async def share_files(client: AsyncWebClient, channel: str, files: Sequence[File]) -> None:
    """Upload ``files`` and share them in ``channel`` (a DM or group DM with the bot)."""
    if not files:
        return
    await client.files_upload_v2(
        channel=channel,
        file_uploads=[
            {"file": file.content, "filename": file.name, "title": file.title or file.name}
            for file in files
        ],
    )
