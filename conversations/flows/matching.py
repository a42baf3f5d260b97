"""`match` and `rematch`: the matching engine (``conversations.matching``) proposes pairs for
everyone in a programme who is waiting for a partner; the proposals are drafts
(``MatchProposal``) until the coordinator approves one or all of them with a button, or
discards them. An approved proposal becomes a pair introduced as `pair` introduces one.
`rematch @adept` ends the adept's pair (history kept: they are never proposed again) and
proposes a new mentor the same way."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from conversations.flags import FlagTable
from conversations.flows.pairing import (
    candidate,
    create_pair,
    enrolment_of,
    history,
    open_places,
)
from conversations.matching import Proposal, Reason, Unmatched, describe, match
from conversations.messages import Button, Message, Reply, Section
from conversations.pairs import end_pair
from conversations.parsing import CommandLine
from conversations.people import resolve_person
from conversations.programme_choice import PROGRAMME_FLAG, my_programmes, pick_programme
from conversations.records import (
    OPEN_PHASES,
    Enrolment,
    EnrolmentStatus,
    MatchProposal,
    Pair,
    Person,
    Programme,
    ProposalStatus,
    Role,
)
from conversations.refs import MatchRunRef, ProposalRef
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.turn import Turn, button

MATCH_FLAGS = FlagTable((PROGRAMME_FLAG,))
MAX_APPROVE_BUTTONS = 20  # one per proposal; beyond that, "approve all"
MAX_REMATCH_NOTE = 300


def _pool(
    turn: Turn, programme: Programme, only_adept: int | None = None
) -> tuple[list[tuple[Person, Enrolment, int]], list[tuple[Person, Enrolment]]]:
    """Who is waiting: mentors with places left, adepts without an open pair; only people who
    have agreed to the data use."""
    open_pairs = turn.repo.find(Pair, programme_id=programme.id, phase=list(OPEN_PHASES))
    paired_adepts = {p.adept_id for p in open_pairs}
    mentors: list[tuple[Person, Enrolment, int]] = []
    adepts: list[tuple[Person, Enrolment]] = []
    enrolled = turn.repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
    for enrolment in enrolled:
        person = turn.repo.get(Person, enrolment.person_id)
        if person is None or person.erased_at is not None or enrolment.consent_at is None:
            continue
        if enrolment.role == Role.MENTOR:
            places = open_places(turn, programme, person.id or 0, enrolment.capacity)
            if places > 0:
                mentors.append((person, enrolment, places))
        elif person.id not in paired_adepts and only_adept in (None, person.id):
            adepts.append((person, enrolment))
    return mentors, adepts


def _propose(turn: Turn, programme: Programme, only_adept: int | None = None) -> Reply:
    mentors, adepts = _pool(turn, programme, only_adept)
    if not adepts:
        return turn.say("match.empty", programme=programme.name)
    # A new run replaces the drafts of an earlier one.
    for old in turn.repo.find(
        MatchProposal, programme_id=programme.id, status=ProposalStatus.DRAFT
    ):
        turn.repo.update(
            old.model_copy(update={"status": ProposalStatus.DISCARDED, "decided_at": turn.now})
        )
    result = match(
        [candidate(p, e) for p, e in adepts],
        [candidate(p, e, places=n) for p, e, n in mentors],
        history(turn),
        on=programme.starts_on,
    )
    people = [p for p, _, _ in mentors] + [p for p, _ in adepts]
    names: dict[int | None, str] = {p.id: p.display_name for p in people}
    run = turn.key[:16]
    drafts = [_draft(turn, programme, run, proposal) for proposal in result.proposals]
    turn.audit("match.proposed", f"programme:{programme.id}", run=run, proposals=len(drafts))
    message = drafts_message(turn, programme, run)
    unmatched = [u for u in result.unmatched if only_adept is None or u.role == Role.ADEPT]
    if unmatched:
        extra = Section(text=_unmatched_text(turn, unmatched, names))
        message = message.model_copy(update={"sections": (*message.sections, extra)})
    return turn.show(message)


def drafts_message(turn: Turn, programme: Programme, run: str) -> Message:
    """The drafts of a `match` run still waiting, numbered as first proposed, with a button to
    approve each, all, or to discard them (after one is approved, the rest are shown again)."""
    t = turn.t
    every = sorted(
        turn.repo.find(MatchProposal, programme_id=programme.id, run=run), key=lambda d: d.id or 0
    )
    waiting = [(n, d) for n, d in enumerate(every, 1) if d.status == ProposalStatus.DRAFT]
    ids = {i for _, d in waiting for i in (d.mentor_id, d.adept_id)}
    names = {i: (p.display_name if (p := turn.repo.get(Person, i)) else "?") for i in ids}
    lines = [
        t(
            "match.proposal",
            n=n,
            mentor=names[d.mentor_id],
            adept=names[d.adept_id],
            reason=describe(_reason(d), _lang(t.lang)),
        )
        for n, d in waiting
    ]
    buttons: list[Button] = []
    if waiting:
        ref = MatchRunRef(programme.id or 0, run).encode()
        buttons = [
            Button(
                label=t("button.approve_proposal", n=n),
                action=Action.APPROVE_PROPOSAL,
                value=ProposalRef(d.id or 0).encode(),
            )
            for n, d in waiting[:MAX_APPROVE_BUTTONS]
        ]
        buttons.append(button(t, "button.approve_all", Action.APPROVE_ALL, ref, "primary"))
        buttons.append(button(t, "button.discard_proposals", Action.DISCARD_PROPOSALS, ref))
    return Message(
        title=t("match.title", programme=programme.name),
        sections=(Section(text="\n".join(lines)),) if lines else (),
        buttons=tuple(buttons),
        note=t("match.note") if waiting else "",
    )


def _lang(lang: str) -> Literal["sv", "en"]:
    return "en" if lang == "en" else "sv"


def _draft(turn: Turn, programme: Programme, run: str, proposal: Proposal) -> MatchProposal:
    return turn.repo.add(
        MatchProposal(
            programme_id=programme.id or 0,
            run=run,
            mentor_id=proposal.mentor_id,
            adept_id=proposal.adept_id,
            score=proposal.score,
            reason=asdict(proposal.reason),
            created_at=turn.now,
        )
    )


def _reason(draft: MatchProposal) -> Reason:
    fields = dict(draft.reason)
    fields["shared_languages"] = tuple(fields.get("shared_languages", ()))
    return Reason(**fields)


def _unmatched_text(turn: Turn, unmatched: list[Unmatched], names: dict[int | None, str]) -> str:
    t = turn.t
    lines = [t("match.unmatched_title")]
    lines += [
        t(
            "match.unmatched",
            name=names.get(u.person_id, "?"),
            role=t("role." + u.role),
            why=describe(u, _lang(t.lang)),
        )
        for u in unmatched
    ]
    return "\n".join(lines)


def match_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    if line.args:
        return turn.say("usage.match.full", options=MATCH_FLAGS.usage(turn.t, required=False))
    programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        return programme
    return _propose(turn, programme)


# Approving and discarding ------------------------------------------------------------------


def _approve(turn: Turn, drafts: list[MatchProposal]) -> Reply:
    t = turn.t
    made: list[str] = []
    lines: list[str] = []
    for draft in drafts:
        programme = turn.repo.get(Programme, draft.programme_id)
        mentor = turn.repo.get(Person, draft.mentor_id)
        adept = turn.repo.get(Person, draft.adept_id)
        if programme is None or mentor is None or adept is None:
            continue
        why = _still_fits(turn, programme, mentor, adept)
        if why:
            lines.append(
                t("match.skipped", mentor=mentor.display_name, adept=adept.display_name, why=why)
            )
            status = ProposalStatus.DISCARDED
        else:
            pair, _ = create_pair(turn, programme, mentor, adept)
            turn.audit("match.approved", f"pair:{pair.id}", proposal=draft.id)
            made.append(f"{mentor.display_name} + {adept.display_name}")
            status = ProposalStatus.APPROVED
        turn.repo.update(draft.model_copy(update={"status": status, "decided_at": turn.now}))
    if made:
        lines.insert(0, t("match.approved", n=len(made), pairs=", ".join(made)))
    if not lines:
        return turn.say("match.stale")
    return turn.show(Message(sections=(Section(text="\n".join(lines)),)))


def _still_fits(turn: Turn, programme: Programme, mentor: Person, adept: Person) -> str:
    """Why a draft can no longer be made (something changed since it was proposed), or ""."""
    t = turn.t
    mentor_enrolment = enrolment_of(turn, programme.id, mentor.id)
    adept_enrolment = enrolment_of(turn, programme.id, adept.id)
    if mentor_enrolment is None or adept_enrolment is None:
        name = mentor.display_name if mentor_enrolment is None else adept.display_name
        role = Role.MENTOR if mentor_enrolment is None else Role.ADEPT
        return t("pair.not_enrolled", name=name, role=t("role." + role))
    if turn.repo.first(Pair, programme_id=programme.id, adept_id=adept.id, phase=list(OPEN_PHASES)):
        return t("pair.adept_taken", name=adept.display_name)
    if open_places(turn, programme, mentor.id or 0, mentor_enrolment.capacity) <= 0:
        return t("pair.mentor_full", name=mentor.display_name, n=mentor_enrolment.capacity)
    return ""


def approve_one(turn: Turn, value: str) -> Reply:
    ref = ProposalRef.decode(value)
    draft = turn.repo.get(MatchProposal, ref.proposal) if ref else None
    if draft is None:
        return turn.say("error.stale_button")
    if draft.status != ProposalStatus.DRAFT:
        return turn.say("match.stale")
    done = _approve(turn, [draft])
    programme = turn.repo.get(Programme, draft.programme_id)
    rest = drafts_message(turn, programme, draft.run) if programme else None
    if rest is not None and rest.buttons:  # the others, to approve next
        done = Reply(messages=[*done.messages, rest])
    return done


def _run_drafts(turn: Turn, value: str) -> list[MatchProposal] | None:
    ref = MatchRunRef.decode(value)
    if ref is None or not ref.run:
        return None
    return turn.repo.find(
        MatchProposal, programme_id=ref.programme, run=ref.run, status=ProposalStatus.DRAFT
    )


def approve_all(turn: Turn, value: str) -> Reply:
    drafts = _run_drafts(turn, value)
    if drafts is None:
        return turn.say("error.stale_button")
    return _approve(turn, drafts) if drafts else turn.say("match.stale")


def discard(turn: Turn, value: str) -> Reply:
    drafts = _run_drafts(turn, value)
    if drafts is None:
        return turn.say("error.stale_button")
    if not drafts:
        return turn.say("match.stale")
    for draft in drafts:
        turn.repo.update(
            draft.model_copy(update={"status": ProposalStatus.DISCARDED, "decided_at": turn.now})
        )
    turn.audit("match.discarded", f"programme:{drafts[0].programme_id}", n=len(drafts))
    return turn.say("match.discarded")


# Rematch -----------------------------------------------------------------------------------


def rematch_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # rematch @adept [reason…]
    people = [a for a in line.args if a.startswith("@") and len(a) > 1]
    if len(people) != 1:
        return turn.say("usage.rematch.full")
    note = " ".join(a for a in line.args if a not in people)
    if len(note) > MAX_REMATCH_NOTE:
        field = turn.t("end.note_field")
        return turn.say("error.too_long_named", field=field, n=len(note), limit=MAX_REMATCH_NOTE)
    adept = resolve_person(turn, people[0], mentions)
    programmes = {p.id: p for p in my_programmes(turn)}
    pair = (
        turn.repo.first(
            Pair, adept_id=adept.id, programme_id=list(programmes), phase=list(OPEN_PHASES)
        )
        if adept is not None
        else None
    )
    if adept is None or pair is None:
        return turn.say("rematch.no_pair", who=people[0])
    note = note or turn.t("rematch.default_note")
    end_pair(turn, pair, "ended-early", note)
    turn.audit("pair.rematched", f"pair:{pair.id}", adept=adept.id)
    mentor = turn.person_by_id(pair.mentor_id)
    ended = turn.t("rematch.ended", adept=adept.display_name, mentor=mentor.display_name, note=note)
    proposed = _propose(turn, programmes[pair.programme_id], only_adept=adept.id)
    return Reply(messages=[Message(sections=(Section(text=ended),)), *proposed.messages])


ROUTES = Routes(
    commands=(
        CommandRoute("match", ("matcha",), Audience.COORDINATOR, match_command, flags=MATCH_FLAGS),
        CommandRoute(
            "rematch",
            ("ny-mentor", "matcha-om"),
            Audience.COORDINATOR,
            rematch_command,
            lambda turn, line: any(a.startswith("@") for a in line.args),
        ),
    ),
    buttons=(
        ButtonRoute(Action.APPROVE_PROPOSAL, approve_one, Audience.COORDINATOR),
        ButtonRoute(Action.APPROVE_ALL, approve_all, Audience.COORDINATOR),
        ButtonRoute(Action.DISCARD_PROPOSALS, discard, Audience.COORDINATOR),
    ),
)
