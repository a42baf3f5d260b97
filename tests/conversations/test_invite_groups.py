"""`invite` for a whole channel, user group or file: the adapter expands them into the event's
``groups``; the core invites the members as if named, refuses a list it could not read or one
too big (nothing changed), and names the rows of a file that named nobody. The one reminder is
counted once it has reached the person."""

from __future__ import annotations

from datetime import timedelta

from conversations.events import Command, Group, TextReceived
from conversations.memory import InMemoryStore
from conversations.people_lists import MAX_PEOPLE, GroupProblem, read_rows
from conversations.records import Invitation, Person
from tests.conversations.harness import Bot, make_bot

SPRING = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
AUTUMN = 'program new "Höst 2027" --purpose onboarding --start 2027-08-16 --end 2027-12-17'


def bot_with_programme(*lines: str) -> Bot:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    for line in lines:
        bot.say("kim", line)
    return bot


def text_of(reply: object) -> str:
    return "\n".join(m.plain_text() for m in reply.messages)  # type: ignore[attr-defined]


def invited_ids(bot: Bot) -> set[str]:
    ids = {p.id: p.platform_user_id for p in bot.record(Person)}
    return {ids[i.person_id] for i in bot.record(Invitation)}


def test_every_member_of_a_channel_is_invited_as_if_named() -> None:
    bot = bot_with_programme()
    channel = Group(label="#ekonomi", members=("bo", "cia", "dan"))
    reply = bot.act("kim", Command(text="bjud-in #ekonomi som adept", groups=(channel,)))
    said = text_of(reply)
    assert "Bjöd in 3 personer som adept till Vår 2027: bo, cia, dan." in said
    assert invited_ids(bot) == {"bo", "cia", "dan"}
    assert "En inbjudan till Vår 2027" in bot.texts_to("cia")


def test_a_user_group_and_named_people_together_are_each_invited_once() -> None:
    bot = bot_with_programme()
    team = Group(label="@chefer", members=("anna", "erik"))
    reply = bot.act("kim", Command(text="invite @chefer @anna @greta as mentor", groups=(team,)))
    assert invited_ids(bot) == {"anna", "erik", "greta"}
    assert "chefer" not in invited_ids(bot)  # the group's name is not a person
    assert "Bjöd in 3 personer som mentor" in text_of(reply)


def test_a_channel_too_big_is_refused_saying_how_many_and_what_to_do() -> None:
    bot = bot_with_programme()
    big = Group(label="#alla", problem=GroupProblem.TOO_BIG, size=350)
    said = text_of(bot.act("kim", Command(text="bjud-in #alla som adept", groups=(big,))))
    assert "#alla har 350 medlemmar; en inbjudan tar högst 200." in said
    assert "Inget ändrades." in said and not bot.record(Invitation)


def test_more_people_than_one_command_takes_are_refused_with_the_count() -> None:
    bot = bot_with_programme()
    many = Group(label="#a", members=tuple(f"p{i}" for i in range(MAX_PEOPLE)))
    said = text_of(bot.act("kim", Command(text="invite #a @extra as adept", groups=(many,))))
    assert "Det är 201 personer; en inbjudan tar högst 200." in said
    assert not bot.record(Invitation)


def test_a_private_channel_or_unknown_group_is_answered_in_the_readers_language() -> None:
    bot = bot_with_programme()
    bot.say("amy", "help")
    bot.fill("amy", "settings.open", {"language": "en"}, value="")
    bot.say("kim", "coordinators add @amy")
    secret = Group(label="#hemlig", problem=GroupProblem.NOT_IN_CHANNEL)
    said = text_of(bot.act("amy", Command(text="invite #hemlig as adept", groups=(secret,))))
    assert "it is private and I am not a member" in said and "Nothing was changed." in said
    unknown = Group(label="@okänd", problem=GroupProblem.NOT_FOUND)
    said = text_of(bot.act("kim", Command(text="bjud-in @okänd som adept", groups=(unknown,))))
    assert "Jag hittar inte @okänd." in said
    odd = Group(label="#x", problem="something-new")  # an adapter's reason the core lacks
    said = text_of(bot.act("kim", Command(text="bjud-in #x som adept", groups=(odd,))))
    assert "Jag kunde inte hämta personerna i #x just nu." in said
    assert not bot.record(Invitation)


def test_a_channel_nobody_could_read_is_refused_where_there_is_no_directory() -> None:
    bot = bot_with_programme()
    said = text_of(bot.say("kim", "bjud-in #ekonomi som adept"))
    assert "Jag kan inte läsa medlemmarna i #ekonomi här." in said
    assert not bot.record(Invitation)


def test_a_files_rows_that_named_nobody_are_listed_and_the_rest_invited() -> None:
    bot = bot_with_programme()
    rows = Group(
        label="personer.csv",
        members=("bo", "cia"),
        unresolved=("okand@example.org", "U999", "x@y.se"),
        file=True,
    )
    said = text_of(bot.act("kim", TextReceived(text="bjud-in som adept", groups=(rows,))))
    assert "Bjöd in 2 personer som adept" in said
    assert "3 rader gav ingen person jag kunde hitta: okand@example.org, U999, x@y.se." in said
    assert invited_ids(bot) == {"bo", "cia"}


def test_a_file_flag_without_a_file_asks_for_the_attachment() -> None:
    bot = bot_with_programme()
    said = text_of(bot.say("kim", "invite --file people.csv as adept"))
    assert "I got no file" not in said  # Swedish coordinator
    assert "Jag fick ingen fil med det." in said and not bot.record(Invitation)


def test_a_group_of_only_bots_and_the_coordinator_invites_nobody_and_says_so() -> None:
    bot = bot_with_programme()
    empty = Group(label="#bots", members=())
    said = text_of(bot.act("kim", Command(text="bjud-in #bots som adept", groups=(empty,))))
    assert "Ingen att bjuda in" in said


def test_the_choice_of_programme_keeps_the_groups_people() -> None:
    bot = bot_with_programme(AUTUMN)
    rows = Group(label="p.csv", members=("bo",), unresolved=("nobody@x.se",), file=True)
    asked = bot.act("kim", TextReceived(text="bjud-in som adept", groups=(rows,)))
    said = text_of(asked)
    assert "1 rad gav ingen person jag kunde hitta: nobody@x.se." in said
    assert not bot.record(Invitation)
    button = next(b for m in asked.messages for b in m.buttons if "Höst" in b.label)
    done = text_of(bot.press("kim", button.action, button.value))
    assert "Bjöd in 1 person som adept till Höst 2027: bo." in done


def test_the_reminder_is_counted_once_it_reached_the_person() -> None:
    bot = bot_with_programme("bjud-in @bo @cia @dan som adept")
    bot.press("cia", "invitation.decline")
    listing = text_of(bot.say("kim", "program list"))
    assert "; 0 påminda." in listing
    bot.advance(timedelta(days=6), step=timedelta(hours=6))
    listing = text_of(bot.say("kim", "program list"))
    assert "3 skickade — 0 tackade ja, 1 tackade nej, 2 har inte svarat; 2 påminda." in listing
    answer = text_of(bot.say("kim", "bjud-in @erik som adept"))
    assert "; 2 påminda." in answer


def test_csv_rows_are_read_from_the_first_column_or_a_named_one() -> None:
    assert read_rows(b"U1\nU2\n\nU1\n").entries == ("U1", "U2")
    named = b"namn;e-post\nBo;bo@x.se\nCia;<mailto:cia@x.se>\n"
    assert read_rows(named).entries == ("bo@x.se", "cia@x.se")
    assert read_rows("Email,Name\r\nå@x.se,Å\r\n".encode("cp1252")).entries == ("å@x.se",)
    assert read_rows(b"\xef\xbb\xbfid\tname\nU3\tX\n").entries == ("U3",)


def test_csv_files_that_cannot_be_people_are_refused() -> None:
    assert read_rows(b"PK\x03\x04\x00\x00").problem == GroupProblem.UNREADABLE
    assert read_rows(b"a\n" * 300_000).problem == GroupProblem.FILE_TOO_LARGE
    too_many = read_rows(b"".join(b"U%d\n" % i for i in range(1500)))
    assert (too_many.problem, too_many.size) == (GroupProblem.TOO_MANY_ROWS, 1500)
