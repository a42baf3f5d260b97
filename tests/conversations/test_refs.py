"""Button values and form contexts: one codec, the same wire format old messages carry."""

from __future__ import annotations

import pytest

from conversations.refs import (
    AgreementRef,
    GoalsRef,
    MeetingRef,
    MeetingRevisionRef,
    PairMeetingRef,
    PairRef,
    PersonRef,
    PromptRef,
)


@pytest.mark.parametrize(
    ("ref", "wire"),
    [
        (PairRef(3), "3"),
        (PairMeetingRef(3, 8), "3:8"),
        (PairMeetingRef(3), "3"),
        (MeetingRef(8), "8"),
        (MeetingRevisionRef(8, "0"), "8:0"),
        (MeetingRevisionRef(8, "12"), "8:12"),
        (GoalsRef(3, "a1b2c3"), "3:a1b2c3"),
        (AgreementRef(12, 2), "12:2"),
        (PersonRef(5), "5"),
        (PromptRef("mentor.time"), "mentor.time"),
    ],
)
def test_a_reference_encodes_to_the_format_sent_buttons_carry_and_decodes_back(
    ref: object, wire: str
) -> None:
    assert ref.encode() == wire  # type: ignore[attr-defined]
    assert type(ref).decode(wire) == ref  # type: ignore[attr-defined]


def test_a_check_in_form_from_before_the_codec_still_reads() -> None:
    assert PairMeetingRef.decode("3:") == PairMeetingRef(3)


@pytest.mark.parametrize(
    "garbage", ["", "abc", "-1", "0", "3.5", "2147483648", "99999999999999999999", "x:3"]
)
def test_garbage_or_out_of_range_ids_are_stale_not_a_crash(garbage: str) -> None:
    assert PairRef.decode(garbage) is None
    assert MeetingRef.decode(garbage) is None


def test_an_optional_id_that_is_not_an_id_makes_the_whole_reference_stale() -> None:
    assert PairMeetingRef.decode("3:x") is None
    assert AgreementRef.decode("12:99999999999999999999") is None


def test_a_token_keeps_everything_after_the_id() -> None:
    assert GoalsRef.decode("3:a:b") == GoalsRef(3, "a:b")
    assert GoalsRef.decode("3") == GoalsRef(3, "")


def test_the_largest_id_postgresql_stores_still_reads() -> None:
    assert PairRef.decode("2147483647") == PairRef(2147483647)  # 2**31 - 1: INTEGER's top
    assert PairMeetingRef.decode("3:2147483648") is None  # one more would be a DataError
