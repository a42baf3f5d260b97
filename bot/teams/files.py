"""Files that come with a message (a calendar invitation), as Bot Framework attachments: the
file's bytes inline in a ``data:`` URL with its media type and name, one activity per file
after the message's cards. A file in a 1:1 chat needs no upload elsewhere this way; an
activity stays under Teams' ~28 KB, so this suits small files such as invitations (a few KB)."""

from __future__ import annotations

import base64

from botbuilder.schema import Activity, ActivityTypes, Attachment

from conversations.messages import File


def data_url(file: File) -> str:
    return f"data:{file.mime_type};base64,{base64.b64encode(file.content).decode('ascii')}"


def file_activity(file: File) -> Activity:
    attachment = Attachment(content_type=file.mime_type, content_url=data_url(file), name=file.name)
    return Activity(type=ActivityTypes.message, attachments=[attachment])
