"""A meeting's calendar invitation: an iCalendar file (RFC 5545, iTIP methods of RFC 5546) that
each member can open in their calendar program.

* One event per meeting, whatever happens to it: its ``UID`` is the meeting's id in its
  workspace, so a calendar replaces the event it holds when the meeting moves, and removes it
  when the meeting is cancelled. ``SEQUENCE`` is the meeting's ``sequence`` (one more at each
  move and at the cancellation), ``DTSTAMP`` the moment the file was made (UTC).
* Booked or moved: ``METHOD:REQUEST``, ``STATUS:CONFIRMED``, a reminder (``VALARM``)
  ``ALARM_MINUTES`` before. Cancelled: ``METHOD:CANCEL``, ``STATUS:CANCELLED``, no reminder.
* The times are the organiser's (who booked): ``DTSTART``/``DTEND`` with their ``TZID`` and the
  ``VTIMEZONE`` that defines it, so the file says the same instant in any calendar, before and
  after a daylight-saving change. ``LOCATION`` is the place.
* The words (summary, description, reminder, file name) are in the reader's language. Nothing
  private goes in: no journal, check-in notes, preparation or goals; only the meeting's time,
  length and place and the pair's names.

The people have no e-mail addresses here, so ``ORGANIZER`` and ``ATTENDEE`` carry their names
(``CN``) with addresses under the reserved ``.invalid`` domain and ``RSVP=FALSE``: calendar
programs show who is invited, and no reply is sent anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress

from conversations.i18n import Texts
from conversations.messages import File
from conversations.records import Meeting, MeetingStatus, Person

MIME_TYPE = "text/calendar"
PRODID = "-//mentorbot//mentorbot//"  # + the reader's language
ALARM_MINUTES = 15
# The time zone definition covers a year either side of the meeting: both of a zone's
# observances (standard and daylight time) appear, which the strictest programs expect.
ZONE_MARGIN = timedelta(days=366)


def meeting_uid(meeting: Meeting) -> str:
    """The one UID of a meeting's event in every invitation about it (booked, moved,
    cancelled), unique across workspaces."""
    return f"meeting-{meeting.id}.{_scope(meeting.workspace)}@mentorbot"


def _scope(workspace: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", workspace) or "local"


def _address(person: Person, role: str, organiser: bool) -> vCalAddress:
    scope = _scope(person.workspace)
    address = vCalAddress(f"mailto:person-{person.id}.{scope}@mentorbot.invalid")
    address.params["CN"] = person.display_name or f"#{person.id}"
    if role:
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = "ACCEPTED" if organiser else "NEEDS-ACTION"
        address.params["RSVP"] = "FALSE"
    return address


def invitation(
    t: Texts,
    meeting: Meeting,
    *,
    reader: Person,
    organiser: Person,
    members: Sequence[Person],
    now: datetime,
) -> File:
    """The invitation ``reader`` gets (in ``t``'s language) for ``meeting`` as it is now: a
    request while it is booked, a cancellation once it is cancelled."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    zone = ZoneInfo(organiser.timezone)
    starts = meeting.starts_at.astimezone(zone)
    ends = (meeting.starts_at + timedelta(minutes=meeting.minutes)).astimezone(zone)
    others = [m.display_name for m in members if m.id != reader.id] or [organiser.display_name]
    summary = t("invite.summary", name=" & ".join(others))
    event = Event.new(
        uid=meeting_uid(meeting),
        sequence=meeting.sequence,
        stamp=now,
        start=starts,
        end=ends,
        summary=summary,
        description=t("invite.description_cancelled" if cancelled else "invite.description"),
        location=meeting.place or None,
        organizer=_address(organiser, "", True),
        attendees=[
            _address(member, "REQ-PARTICIPANT", member.id == organiser.id) for member in members
        ],
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        event.add_component(
            Alarm.new_display(description=summary, trigger=timedelta(minutes=-ALARM_MINUTES))
        )
    calendar = Calendar()
    calendar.add("prodid", PRODID + t.lang.upper())
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add_component(event)
    day = starts.date()
    calendar.add_missing_timezones(first_date=day - ZONE_MARGIN, last_date=day + ZONE_MARGIN)
    for zone_definition in calendar.timezones:
        zone_definition.pop("COMMENT", None)  # icalendar's note, in English, to no reader
    local_day = t.local(meeting.starts_at).date().isoformat()
    word = t("invite.file_cancelled" if cancelled else "invite.file")
    return File(
        name=f"{word}-{local_day}.ics",
        mime_type=MIME_TYPE,
        content=calendar.to_ical(),
        title=t(
            "invite.title_cancelled" if cancelled else "invite.title",
            when=t.when(meeting.starts_at),
        ),
    )
