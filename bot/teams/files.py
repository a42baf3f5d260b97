"""Files that come with a message (a calendar invitation, a report's table and chart), as Bot
Framework attachments: the file's bytes inline in a ``data:`` URL with its media type and
name, one activity per file after the message's cards. A file in a 1:1 chat needs no upload
elsewhere this way, and no consent card per file; but an activity must stay under Teams'
~28 KB, base64 included, so each file is fitted into ``FILE_BYTES`` first:

* a PNG (the report's chart) larger than that is redrawn with a palette of at most 64
  colours (a chart has few; this takes a 900 × 700 chart from about 30 KB to about 10 KB),
  and scaled down if even that is too large;
* a CSV table larger than that goes as several files, each with the header row, named
  ``…-part-1.csv`` (``…-del-1.csv`` in Swedish), split between records, never inside one;
* anything else too large is not sent: a line in the reader's language says so instead.
"""

from __future__ import annotations

import base64
import functools
import io

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.teams.text import escape
from bot.teams.words import words
from conversations.messages import File

# A file's bytes inline: base64 (4/3 larger) and the activity around it stay under ~28 KB.
FILE_BYTES = 18_000
PALETTE = 64
BOM = "\ufeff"


def data_url(file: File) -> str:
    return f"data:{file.mime_type};base64,{base64.b64encode(file.content).decode('ascii')}"


def file_activity(file: File) -> Activity:
    attachment = Attachment(content_type=file.mime_type, content_url=data_url(file), name=file.name)
    return Activity(type=ActivityTypes.message, attachments=[attachment])


def file_activities(file: File, lang: str) -> list[Activity]:
    """The activities that carry ``file`` (one, or one per part), or the line saying it is
    too large. The same file gives the same activities (a retried row counts them)."""
    fitted = fit(file, lang)
    if fitted:
        return [file_activity(part) for part in fitted]
    said = words(lang)["file_too_large"].format(name=file.name, kb=-(-len(file.content) // 1000))
    return [Activity(type=ActivityTypes.message, text=escape(said), text_format="markdown")]


def fit(file: File, lang: str, limit: int = FILE_BYTES) -> list[File]:
    """``file`` as files of at most ``limit`` bytes each; empty when it cannot be."""
    if len(file.content) <= limit:
        return [file]
    if file.mime_type == "image/png":
        smaller = _smaller_png(file.content, limit)
        return [file.model_copy(update={"content": smaller})] if smaller else []
    if file.mime_type.split(";")[0] == "text/csv":
        return _csv_parts(file, lang, limit)
    return []


@functools.lru_cache(maxsize=16)  # the same chart, for each member and each retry
def _smaller_png(content: bytes, limit: int) -> bytes | None:
    from PIL import Image  # comes with matplotlib; only needed for a large image

    image = Image.open(io.BytesIO(content)).convert("RGB")
    while min(image.size) >= 100:
        out = io.BytesIO()
        image.quantize(colors=PALETTE).save(out, format="PNG", optimize=True)
        if out.tell() <= limit:
            return out.getvalue()
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    return None


def _records(text: str) -> list[str]:
    """The CSV's records with their line ends, a line break inside quotes kept in its record."""
    records: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        current += line
        if current.count('"') % 2 == 0:
            records.append(current)
            current = ""
    if current:
        records.append(current)
    return records


def _csv_parts(file: File, lang: str, limit: int) -> list[File]:
    text = file.content.decode("utf-8")
    bom = BOM if text.startswith(BOM) else ""
    header, *rows = _records(text.removeprefix(bom))
    head = (bom + header).encode("utf-8")
    parts: list[bytes] = []
    current = head
    for row in rows:
        encoded = row.encode("utf-8")
        if len(head) + len(encoded) > limit:
            return []  # one record larger than a file can be
        if len(current) + len(encoded) > limit:
            parts.append(current)
            current = head
        current += encoded
    parts.append(current)
    stem, dot, ext = file.name.rpartition(".")
    stem, ext = (stem, f".{ext}") if dot else (file.name, "")
    part = words(lang)["part"]
    return [
        file.model_copy(update={"name": f"{stem}-{part}-{n}{ext}", "content": content})
        for n, content in enumerate(parts, start=1)
    ]
