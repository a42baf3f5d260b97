"""Slack's file uploads in the fake Web API (``FakeSlack`` delegates to ``FakeFiles``), as
slack-sdk's ``files_upload_v2`` uses them:

1. ``files.getUploadURLExternal`` (``filename``, ``length``) answers a file id and an upload URL
   (on the fake server: ``POST /upload/{file_id}``);
2. the bytes are POSTed to that URL, which answers 200 (``length`` must match);
3. ``files.completeUploadExternal`` (``files``: ids and titles, ``channel_id``) shares them.

A file is only in a conversation once all three happened; anything out of order, or not
matching, is a problem the test sees (``FakeSlack.all_problems``)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    content: bytes | None = None  # once POSTed to the upload URL
    title: str = ""
    channel: str = ""  # once completed (shared)


class FakeFiles:
    def __init__(self) -> None:
        self.uploads: dict[str, Upload] = {}
        self.problems: list[str] = []
        self._ids = count(1)

    def answer(self, method: str, args: dict[str, Any], base_url: str) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            self.uploads[file_id] = Upload(file_id, str(args["filename"]), int(args["length"]))
            return {"ok": True, "file_id": file_id, "upload_url": f"{base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            shared = []
            for entry in args.get("files") or []:
                upload = self.uploads.get(str(entry.get("id")))
                if upload is None or upload.content is None:
                    self.problems.append(f"completed {entry.get('id')} before its upload")
                    return {"ok": False, "error": "file_not_found"}
                upload.title = str(entry.get("title") or "")
                upload.channel = str(args.get("channel_id") or "")
                shared.append({"id": upload.file_id, "title": upload.title})
            if not args.get("channel_id"):
                self.problems.append("files completed without a channel: nobody sees them")
            return {"ok": True, "files": shared}
        return {"ok": True}

    def receive(self, file_id: str, body: bytes) -> int:
        """The upload POST: its HTTP status."""
        upload = self.uploads.get(file_id)
        if upload is None:
            self.problems.append(f"upload to an unknown file id {file_id}")
            return 404
        if len(body) != upload.length:
            self.problems.append(f"{file_id}: {len(body)} bytes, announced {upload.length}")
        upload.content = body
        return 200

    def shared_in(self, channel: str) -> list[Upload]:
        """The files shared in ``channel``, oldest first."""
        return [u for u in self.uploads.values() if u.channel == channel]
