"""Reading what people type: command lines, dates, times and durations."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ParseError(ValueError):
    """Text that could not be read; ``key`` names the text catalog entry explaining why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class CommandLine:
    word: str
    args: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "’": "'", "‘": "'"})


_SHLEX_MARKS = re.compile(r"['\"\\]")  # what makes shlex do more than split on spaces
_SHLEX_SPACE = re.compile(r"[ \t\r\n]+")  # shlex's whitespace, not all of Unicode's


def tokenize(text: str) -> list[str]:
    cleaned = text.translate(_QUOTES).strip()
    if not _SHLEX_MARKS.search(cleaned):  # no quote, no escape: shlex's answer, far cheaper
        return [token for token in _SHLEX_SPACE.split(cleaned) if token]
    try:
        return shlex.split(cleaned)
    except ValueError:  # an unbalanced quote: fall back to whitespace
        return cleaned.replace('"', "").split()


def parse_command(text: str) -> CommandLine | None:
    """'program new "Vår 2027" --purpose onboarding' -> word, args, options."""
    tokens = tokenize(text)
    if not tokens:
        return None
    word = tokens[0].lower().lstrip("/")
    args: list[str] = []
    options: dict[str, str] = {}
    rest = tokens[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("--") and len(token) > 2:
            name, _, inline = token[2:].partition("=")
            if inline:
                options[name.lower()] = inline
            elif i + 1 < len(rest) and not rest[i + 1].startswith(("--", "@")):
                options[name.lower()] = rest[i + 1]
                i += 1
            else:
                options[name.lower()] = ""
        else:
            args.append(token)
        i += 1
    return CommandLine(word=word, args=args, options=options)


_DURATION = re.compile(r"^\+?(\d{1,3})\s*([dwvm])$", re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "w": 7, "v": 7, "m": 30}


def parse_duration(text: str) -> timedelta | None:
    """'3d', '2w' (or Swedish '2v' for veckor), '+1m' -> a timedelta; else None."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    return timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()])


_ISO_T = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d)")
_RELATIVE_DAYS = {"today": 0, "idag": 0, "tomorrow": 1, "imorgon": 1, "imorn": 1}


def parse_date(text: str, today: date) -> date:
    """ISO date ('2026-12-01'), 'today'/'idag', 'tomorrow'/'imorgon', or a duration from today."""
    value = text.strip().lower()
    if not value:
        raise ParseError("error.date_missing")
    if value in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[value])
    delta = parse_duration(value)
    if delta is not None:
        return today + delta
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ParseError("error.date_format", value=text) from None
    if not today.year - 2 <= day.year <= today.year + 5:
        raise ParseError("error.date_range", value=text)
    return day


def parse_time(text: str) -> time:
    value = text.strip().replace(".", ":")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", value)
    if not match:
        raise ParseError("error.time_format", value=text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ParseError("error.time_format", value=text)
    return time(hour, minute)


def parse_local_datetime(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """'2026-12-01 14:00', '2026-12-01T14:00', 'tomorrow 9:30', read in the person's zone;
    returned timezone-aware in that zone (records store it as UTC)."""
    value = _ISO_T.sub(r"\1 \2", text.strip())  # '2027-03-28T10:00' -> '2027-03-28 10:00'
    parts = value.split()
    local_today = now.astimezone(tz).date()
    try:
        if len(parts) != 2:
            raise ParseError("error.datetime_format", value=text)
        day = parse_date(parts[0], local_today)
        moment = parse_time(parts[1])
    except ParseError:
        found = _natural(text, tz, now)
        if found is None:
            raise ParseError("error.datetime_format", value=text[:40]) from None
        return found
    return datetime.combine(day, moment, tzinfo=tz)


_FILLER = re.compile(r"\b(nästa|på|kl\.?|klockan|i|next|on|at)\b", re.IGNORECASE)
_CLOCK_HOUR = re.compile(r"\b(kl\.?|klockan|at)\s*(\d{1,2})\b(?![:.]\d)", re.IGNORECASE)
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})\b")
_MONTHS = [
    "jan",
    "feb",
    "mar",
    "apr",
    "maj",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "oct",
    "nov",
    "dec",
    "januari",
    "februari",
    "mars",
    "april",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
    "january",
    "february",
    "march",
    "june",
    "july",
    "august",
    "october",
]


def _natural(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """A date and time as people write them, in Swedish or English (``fredag 10:00``,
    ``nästa tisdag 14``, ``friday 10am``, ``14 jan kl 10``), read by dateparser in the
    person's zone, towards the future. None unless it names both a day and a time within
    the next two years."""
    import dateparser  # slow to import: only when the strict forms did not match

    value = _DOTTED_TIME.sub(r"\1:\2", text.strip().lower())
    value = _CLOCK_HOUR.sub(r"\2:00", value)  # "kl 10", "at 9": an hour
    words = _FILLER.sub(" ", value).split()
    if not words:
        return None
    last = words[-1]
    after_month = len(words) > 1 and words[-2].rstrip(".") in _MONTHS
    if last.isascii() and last.isdigit() and int(last) < 24 and not after_month:
        words[-1] = f"{last}:00"  # "tisdag 14" is two o'clock, "14 jan" is a day
    joined = " ".join(words)
    if ":" not in joined and not re.search(r"\d\s*(am|pm)\b", joined):
        return None  # no time of day: "fredag" or "14 jan" alone is not a meeting time
    local_now = now.astimezone(tz).replace(tzinfo=None)
    found = dateparser.parse(
        joined,
        languages=["sv", "en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "DATE_ORDER": "DMY",
        },
    )
    if found is None or not local_now - timedelta(days=1) <= found <= local_now + timedelta(
        days=730
    ):
        return None
    moment: datetime = found.replace(second=0, microsecond=0, tzinfo=tz)
    return moment


def parse_zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError("error.timezone", value=text) from None


def parse_weekdays(text: str) -> list[int]:
    """'1-5' (Monday to Friday) or '1,2,3' -> [0, 1, 2] (0 = Monday)."""
    value = text.replace(" ", "")
    days: set[int] = set()
    for part in value.split(","):
        if not part:
            continue
        start, dash, end = part.partition("-")
        if not _digits(start) or (dash and not _digits(end)):
            raise ParseError("error.weekdays", value=text)
        first, last = int(start), int(end or start)
        if not (1 <= first <= 7 and 1 <= last <= 7 and first <= last):
            raise ParseError("error.weekdays", value=text)
        days.update(range(first - 1, last))
    if not days:
        raise ParseError("error.weekdays", value=text)
    return sorted(days)


def int_option(line: CommandLine, name: str, default: int) -> int | None:
    raw = line.options.get(name)
    if raw is None:
        return default
    return int(raw) if _digits(raw) else None


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "¹" and "١", which ``int`` refuses or
    reads as another number."""
    return text.isascii() and text.isdigit()


def split_datetime(args: list[str], tz: ZoneInfo, now: datetime) -> tuple[datetime, int] | None:
    """The date and time at the start of a command's arguments (``2027-04-07 10:00``,
    ``fredag 10:00``, ``nästa tisdag 14``) and how many arguments it took; None if none."""
    for count in (2, 1, 3, 4):
        if count > len(args):
            continue
        try:
            return parse_local_datetime(" ".join(args[:count]), tz, now), count
        except ParseError:
            continue
    return None
