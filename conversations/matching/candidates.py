"""Who is in the pool: a mentor's or an adept's profile, and the pairs there have been."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conversations.records import Role

MAX_CAPACITY = 3  # adepts one mentor may take at once


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person in the pool, as the matching engine sees them.

    ``wants`` are an adept's topics, ``offers`` a mentor's (one field: ``wants`` for both, read
    as "offers" for a mentor). ``languages`` are language codes (``"sv"``, ``"en"``), the ones
    Babel names. ``work_start``/``work_end`` are local wall-clock times in ``time_zone`` (an
    IANA name); an end before the start is a shift past midnight. ``capacity`` is how many
    adepts a mentor may take (1–3); an adept always has one mentor, whatever it says.
    ``avoid``: people this person must not be paired with (either side's list counts).
    """

    person_id: int
    role: Role
    wants: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    time_zone: str = "Europe/Stockholm"
    work_start: time = time(8, 0)
    work_end: time = time(17, 0)
    department: str = ""
    manager_id: int | None = None
    capacity: int = 1
    avoid: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity {self.capacity} is not 1–{MAX_CAPACITY}")
        if self.work_start == self.work_end:
            raise ValueError("working hours start and end at the same time")
        if self.work_start.tzinfo is not None or self.work_end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times, without a time zone")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error

    @property
    def offers(self) -> frozenset[str]:
        """A mentor's topics (the same field as an adept's ``wants``)."""
        return self.wants

    @property
    def places(self) -> int:
        """How many partners this person may get in one round: a mentor's capacity, else 1."""
        return self.capacity if self.role is Role.MENTOR else 1


@dataclass(frozen=True, slots=True)
class History:
    """The (mentor, adept) pairs there have been. The same two people are never paired again,
    in either role: a former adept who now mentors is not paired with their old mentor."""

    pairs: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> History:
        return cls(frozenset(pairs))

    def met(self, a: int, b: int) -> bool:
        """Were ``a`` and ``b`` ever a pair, whoever was the mentor?"""
        return (a, b) in self.pairs or (b, a) in self.pairs


NO_HISTORY = History()
