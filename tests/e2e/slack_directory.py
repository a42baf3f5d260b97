"""Who is in what, in the fake Web API (``FakeSlack`` delegates to ``FakeDirectory``): the
members of channels (``conversations.members``, paginated with ``next_cursor``; a private
channel the bot is not in answers ``channel_not_found`` as Slack does), user groups
(``usergroups.users.list``), people by e-mail (``users.lookupByEmail``), and files people
attached to a message (``files.info`` with a ``url_private_download`` on the fake server, and
the download itself, which must carry the bot token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DIRECTORY_METHODS = frozenset(
    {"conversations.members", "usergroups.users.list", "users.lookupByEmail", "files.info"}
)


@dataclass
class SharedFile:
    name: str
    content: bytes
    downloads: int = 0


@dataclass
class FakeDirectory:
    channels: dict[str, list[str]] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)  # private channels the bot is not in
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, SharedFile] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def answer(
        self, method: str, args: dict[str, Any], users: dict[str, dict[str, Any]], base_url: str
    ) -> dict[str, Any]:
        if method == "conversations.members":
            channel = str(args.get("channel"))
            if channel not in self.channels or channel in self.private:
                return {"ok": False, "error": "channel_not_found"}
            members = self.channels[channel]
            start = int(args.get("cursor") or 0)
            end = start + int(args.get("limit") or 100)
            cursor = str(end) if end < len(members) else ""
            return {
                "ok": True,
                "members": members[start:end],
                "response_metadata": {"next_cursor": cursor},
            }
        if method == "usergroups.users.list":
            group = self.usergroups.get(str(args.get("usergroup")))
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": group}
        if method == "users.lookupByEmail":
            wanted = str(args.get("email")).lower()
            found = next(
                (u for u in users.values() if u.get("profile", {}).get("email") == wanted), None
            )
            return (
                {"ok": True, "user": found} if found else {"ok": False, "error": "users_not_found"}
            )
        if method == "files.info":
            file_id = str(args.get("file"))
            shared = self.files.get(file_id)
            if shared is None:
                return {"ok": False, "error": "file_not_found"}
            return {
                "ok": True,
                "file": {
                    "id": file_id,
                    "name": shared.name,
                    "size": len(shared.content),
                    "filetype": "csv",
                    "url_private_download": f"{base_url}/download/{file_id}/{shared.name}",
                },
            }
        raise AssertionError(method)

    def download(self, file_id: str, authorization: str, token: str) -> tuple[int, bytes]:
        if authorization != f"Bearer {token}":
            self.problems.append(f"download of {file_id} without the bot token")
            return 403, b""
        shared = self.files.get(file_id)
        if shared is None:
            return 404, b""
        shared.downloads += 1
        return 200, shared.content

    def message_files(self, *file_ids: str) -> list[dict[str, Any]]:
        """The ``files`` of a ``file_share`` message event, as Slack sends them."""
        return [
            {"id": f, "name": self.files[f].name, "mode": "hosted", "filetype": "csv"}
            for f in file_ids
        ]
