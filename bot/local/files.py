"""Files that come with the bot's messages (calendar invitations), on the console: written to
disk next to the database, one folder per recipient, since a terminal cannot attach them."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings
from conversations.messages import File

SQLITE = "sqlite:///"


def files_folder(settings: Settings) -> Path:
    """``files/`` beside the SQLite database (``var/files`` with the default app.yaml), or
    ``var/files`` beside app.yaml for a database elsewhere."""
    url = settings.database_url
    if url.startswith(SQLITE) and ":memory:" not in url:
        return Path(url[len(SQLITE) :]).parent / "files"
    return settings.config_dir / "var" / "files"


def _safe(name: str, fallback: str) -> str:
    """One path component: no folders, nothing hidden, no characters a file system refuses."""
    cleaned = re.sub(r'[\x00-\x1f/\\:*?"<>|]', "_", name).strip(" .")
    return cleaned or fallback


def save(folder: Path, recipient: str, file: File) -> Path:
    """Write ``file`` for ``recipient`` (a later file of the same name replaces it) and return
    where it is."""
    path = folder / _safe(recipient, "_") / _safe(file.name, "file")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(file.content)
    return path
