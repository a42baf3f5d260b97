"""Reading a calendar invitation (.ics) back the way a calendar program would, for every test
that gets one (core, console, Slack upload, Teams attachment): parsed with ``icalendar``, with
the checks an importing program relies on."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from conversations.i18n import catalog

# A TZID no library knows, so only the file's VTIMEZONE defines it; one per file, since
# icalendar remembers a zone it read by its TZID.
OWN_ZONE = "Mentorbot-Test-Zone-{}"


@dataclass(frozen=True)
class Invitation:
    method: str
    uid: str
    sequence: int
    status: str
    start: datetime  # aware, in the organiser's zone (TZID)
    end: datetime
    stamp: datetime
    tzid: str
    summary: str
    description: str
    location: str
    organiser: str  # CN
    attendees: tuple[str, ...]  # CNs
    alarm_before: timedelta | None  # the reminder, before the start
    alarm_text: str
    text: str  # the whole file

    @property
    def words(self) -> str:
        """What a calendar program shows its reader in words."""
        return "\n".join((self.summary, self.description, self.alarm_text))


def read_invitation(content: bytes) -> Invitation:
    """The invitation in ``content``, checked: one VCALENDAR 2.0 with a PRODID and METHOD, one
    VEVENT with UID, DTSTAMP in UTC, DTSTART and DTEND in one zone that a VTIMEZONE in the file
    defines, and which gives the same instants as the zone database does."""
    text = content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "unfolded long line"
    calendar = Calendar.from_ical(content)
    assert calendar.get("VERSION") == "2.0" and calendar.get("PRODID")
    assert calendar.get_missing_tzids() == set(), "a TZID without its VTIMEZONE"
    (event,) = calendar.events
    start, end = event.start, event.end
    assert isinstance(start, datetime) and isinstance(end, datetime) and start < end
    tzid = str(event["DTSTART"].params["TZID"])
    assert event["DTEND"].params["TZID"] == tzid
    assert isinstance(start.tzinfo, ZoneInfo) and start.tzinfo.key == tzid
    stamp = event["DTSTAMP"].dt
    assert stamp.utcoffset() == timedelta(0)
    # The file's own zone definition says the same instants (a program without the zone
    # database reads the VTIMEZONE).
    own_zone = OWN_ZONE.format(hashlib.sha256(content).hexdigest()[:16])
    renamed = Calendar.from_ical(content.replace(tzid.encode(), own_zone.encode()))
    (own,) = renamed.events
    assert not isinstance(own.start.tzinfo, ZoneInfo)
    assert own.start.astimezone(UTC) == start.astimezone(UTC)
    assert own.end.astimezone(UTC) == end.astimezone(UTC)
    alarms = event.walk("VALARM")
    alarm_before = -alarms[0]["TRIGGER"].dt if alarms else None
    if alarms:
        assert alarms[0]["ACTION"] == "DISPLAY" and alarms[0].get("DESCRIPTION")
    return Invitation(
        method=str(calendar["METHOD"]),
        uid=str(event["UID"]),
        sequence=int(event["SEQUENCE"]),
        status=str(event["STATUS"]),
        start=start,
        end=end,
        stamp=stamp,
        tzid=tzid,
        summary=str(event["SUMMARY"]),
        description=str(event.get("DESCRIPTION", "")),
        location=str(event.get("LOCATION", "")),
        organiser=str(event["ORGANIZER"].params["CN"]),
        attendees=tuple(str(a.params["CN"]) for a in event.get("ATTENDEE")),
        alarm_before=alarm_before,
        alarm_text=str(alarms[0].get("DESCRIPTION", "")) if alarms else "",
        text=calendar.to_ical().decode("utf-8"),
    )


def english_words_in(text: str) -> set[str]:
    """Words of the English invitation texts that ``text`` contains (what a Swedish reader's
    file says in words, its name and title must contain none). The product's name is no
    English word."""
    english = {
        word.lower()
        for key, entry in catalog("en").items()
        if key.startswith("invite.") and isinstance(entry, str)
        for word in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", entry))
    } - {"mentorbot", "ics"}
    found = {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäö]+", text)}
    return english & found
