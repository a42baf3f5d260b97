"""`match` proposes drafts with reasons; the coordinator approves some or all, or discards
them; `pair` warns when a rule of matching is broken; `rematch` gives an adept a new mentor."""

from __future__ import annotations

from conversations.memory import InMemoryStore
from conversations.records import (
    OPEN_PHASES,
    AuditEntry,
    Enrolment,
    MatchProposal,
    Pair,
    Person,
    Phase,
    ProposalStatus,
)
from tests.conversations.harness import Bot, enrolled, make_bot

SPRING = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
ADEPTS = ("bo", "cia", "dan", "eva")


def said(bot: Bot, who: str, line: str) -> str:
    return "\n".join(m.plain_text() for m in bot.say(who, line).messages)


def pool() -> Bot:
    bot = make_bot(InMemoryStore())
    bot.say("kim", SPRING)
    enrolled(bot, "anna", "mentor", "--capacity 2")
    enrolled(bot, "erik", "mentor", "--capacity 2")
    for adept in ADEPTS:
        enrolled(bot, adept, "adept")
    return bot


def person_id(bot: Bot, who: str) -> int:
    return bot.record(Person, platform_user_id=who)[0].id or 0


def test_match_proposes_pairs_with_reasons_in_the_coordinators_language() -> None:
    bot = pool()
    reply = bot.say("kim", "matcha")
    (message,) = reply.messages
    text = message.plain_text()
    assert "Föreslagna par i Vår 2027" in text
    assert text.count("båda talar engelska och svenska") == 4  # a line of reasons each
    assert "both speak" not in text
    labels = [b.label for b in message.buttons]
    assert labels == [
        "Godkänn 1",
        "Godkänn 2",
        "Godkänn 3",
        "Godkänn 4",
        "Godkänn alla",
        "Förkasta",
    ]
    assert len(bot.record(MatchProposal, status=ProposalStatus.DRAFT)) == 4
    assert not bot.record(Pair)  # drafts: nobody is told anything
    assert all("Möt din mentorpartner" not in bot.texts_to(a) for a in ADEPTS)


def test_approving_three_of_four_makes_three_pairs_introduced_like_pair_does() -> None:
    bot = pool()
    message = bot.say("kim", "match").messages[0]
    approve = [b for b in message.buttons if b.action == "match.approve"]
    for button in approve[:3]:
        done = bot.press("kim", "match.approve", button.value)
        assert "Godkände 1 par" in done.messages[0].plain_text()
    again = bot.press("kim", "match.approve", approve[0].value)
    assert "inte längre utkast" in again.messages[0].plain_text()
    discard = next(b for b in message.buttons if b.action == "match.discard")
    assert "Förkastade" in bot.press("kim", "match.discard", discard.value).messages[0].plain_text()

    pairs = bot.record(Pair)
    assert len(pairs) == 3 and all(p.phase == Phase.INTRO for p in pairs)
    statuses = sorted(p.status for p in bot.record(MatchProposal))
    assert statuses == [ProposalStatus.APPROVED] * 3 + [ProposalStatus.DISCARDED]
    for pair in pairs:
        adept = bot.record(Person, id=pair.adept_id)[0].platform_user_id
        assert "Möt din mentorpartner" in bot.texts_to(adept)
    left = next(a for a in ADEPTS if person_id(bot, a) not in {p.adept_id for p in pairs})
    assert "Möt din mentorpartner" not in bot.texts_to(left)


def test_approve_all_pairs_every_draft_of_the_run() -> None:
    bot = pool()
    bot.say("kim", "match")
    done = bot.press("kim", "match.approve_all")
    assert "Godkände 4 par" in done.messages[0].plain_text()
    assert len(bot.record(Pair)) == 4


def test_people_without_consent_are_not_in_the_pool_and_the_unmatched_say_why() -> None:
    bot = pool()
    bot.say("kim", "enroll @fia as adept")  # not agreed yet: not in the pool
    enrolled(bot, "gun", "adept")
    text = said(bot, "kim", "match")
    assert "fia" not in text
    assert "Utan partner:" in text and "gun (adept)" in text


def test_pair_warns_when_a_rule_of_matching_is_broken_and_tvinga_overrides() -> None:
    bot = pool()
    bo = bot.record(Enrolment, person_id=person_id(bot, "bo"))[0]
    with bot.store.transaction() as repo:  # anna is bo's manager (from bo's intake form)
        repo.update(bo.model_copy(update={"manager_id": person_id(bot, "anna")}))
    warned = said(bot, "kim", "para @anna @bo")
    assert "anna är chef för bo" in warned and "--tvinga" in warned
    assert "--force" not in warned
    assert not bot.record(Pair)
    assert "Parade ihop anna" in said(bot, "kim", "para @anna @bo --tvinga")
    assert "pair.forced" in [a.action for a in bot.record(AuditEntry)]


def test_pair_warns_in_english_with_force() -> None:
    bot = pool()
    bot.say("kim", "pair @anna @bo")
    bot.say("kim", "end @anna @bo ended-early")
    bot.say("kim", "settings")
    bot.fill("kim", "settings.open", {"language": "en"}, value="")
    warned = said(bot, "kim", "pair @anna @bo")
    assert "they have been a pair before" in warned and "--force" in warned
    assert "Parade" not in warned and "--tvinga" not in warned


def test_rematch_ends_the_pair_with_a_reason_and_proposes_another_mentor() -> None:
    bot = pool()
    bot.say("kim", "pair @anna @bo")
    reply = said(bot, "kim", "ny-mentor @bo")
    assert "Avslutade paret anna och bo (adepten har tömt mentorn)" in reply
    (old,) = bot.record(Pair, mentor_id=person_id(bot, "anna"))
    assert old.phase == Phase.ENDED_EARLY and old.end_note == "adepten har tömt mentorn"
    (draft,) = bot.record(MatchProposal, status=ProposalStatus.DRAFT)
    assert draft.mentor_id == person_id(bot, "erik")  # never the old mentor again
    bot.press("kim", "match.approve_all")
    (new,) = bot.record(Pair, phase=list(OPEN_PHASES))
    assert (new.mentor_id, new.adept_id) == (person_id(bot, "erik"), person_id(bot, "bo"))


def test_rematch_keeps_a_reason_the_coordinator_gives() -> None:
    bot = pool()
    bot.say("kim", "pair @anna @bo")
    bot.say("kim", "rematch @bo behöver en ekonom")
    (old,) = bot.record(Pair, mentor_id=person_id(bot, "anna"))
    assert old.end_note == "behöver en ekonom"


def test_the_new_commands_are_refused_to_others_in_one_polite_line_in_their_language() -> None:
    bot = pool()
    for line in ("match", "rematch @bo", "invite @x as adept"):
        (refusal,) = bot.say("bo", line).messages
        assert refusal.plain_text().startswith("Bara programkoordinatorer kan använda")
    bot.fill("bo", "settings.open", {"language": "en"}, value="")
    (refusal,) = bot.say("bo", "matcha").messages
    assert refusal.plain_text().startswith("Only programme coordinators can use `match`")
    assert not bot.record(MatchProposal)


def test_match_and_its_approval_are_audited() -> None:
    bot = pool()
    bot.say("kim", "match")
    bot.press("kim", "match.approve_all")
    actions = [a.action for a in bot.record(AuditEntry)]
    assert "match.proposed" in actions and actions.count("match.approved") == 4
