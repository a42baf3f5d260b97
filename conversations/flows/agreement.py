"""The agreement (avtal, METHOD.md article 4 §5–6): cadence, meeting length, tystnadsplikt,
ethics, responsibilities, a no-fault exit and an end date. Both must accept; an amendment is a
new version that both accept again, and the old one stays in force until they have."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from conversations.flows.meetings import MAX_MINUTES, MIN_MINUTES
from conversations.i18n import Texts
from conversations.messages import (
    Button,
    Choice,
    Fact,
    Form,
    FormField,
    Message,
    Reply,
    Section,
    text,
)
from conversations.pairs import current_pair, in_force, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine
from conversations.phases import advance, agreement_invitation
from conversations.ports import Repo
from conversations.records import Agreement, Pair, Person, Programme
from conversations.refs import AgreementRef, PairRef
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, validate

CADENCES = ("7", "14", "21", "30")
# The clauses a pair writes, by form field: the record's field and the default text's key. A
# clause left as the default is stored as ``DEFAULT`` + its key, so that each reader sees the
# default in their own language (and a later translation fix reaches old agreements too).
CLAUSES = {
    "confidentiality": ("confidentiality", "agreement.default.confidentiality"),
    "ethics": ("ethics", "agreement.default.ethics"),
    "mentor_resp": ("mentor_responsibilities", "agreement.default.mentor"),
    "adept_resp": ("adept_responsibilities", "agreement.default.adept"),
}
DEFAULT = "default:"


def clause(t: Texts, stored: str) -> str:
    """A clause as the reader reads it: a default in their language, else the pair's words."""
    if stored.startswith(DEFAULT):
        key = stored.removeprefix(DEFAULT)
        return t(key) if t.has(key) else stored
    return stored


def _stored(t: Texts, written: str, default_key: str) -> str:
    """What to store for a clause the proposer left as the default text (in their language,
    or, amending, the default as they were shown it)."""
    return DEFAULT + default_key if written.strip() == t(default_key).strip() else written


def changes(t: Texts, new: Agreement, old: Agreement) -> list[str]:
    """The names of what a new version changes from the one in force."""
    changed = []
    if new.cadence_days != old.cadence_days:
        changed.append(t("agreement.cadence"))
    if new.meeting_minutes != old.meeting_minutes:
        changed.append(t("agreement.length"))
    for label, (field, _) in (
        ("agreement.confidentiality", CLAUSES["confidentiality"]),
        ("agreement.ethics", CLAUSES["ethics"]),
        ("agreement.mentor_resp_label", CLAUSES["mentor_resp"]),
        ("agreement.adept_resp_label", CLAUSES["adept_resp"]),
    ):
        if clause(t, getattr(new, field)) != clause(t, getattr(old, field)):
            changed.append(t(label))
    if new.ends_on != old.ends_on:
        changed.append(t("agreement.ends_on"))
    return changed


def pending(repo: Repo, pair_id: int) -> Agreement | None:
    waiting = [
        a
        for a in repo.find(Agreement, pair_id=pair_id)
        if not a.accepted and a.superseded_at is None
    ]
    return max(waiting, key=lambda a: a.number) if waiting else None


def status_line(t: Texts, repo: Repo, pair: Pair, reader: int | None = None) -> str:
    current, proposal = in_force(repo, pair.id or 0), pending(repo, pair.id or 0)
    parts = []
    if current:
        parts.append(t("agreement.status.in_force", number=current.number))
    if proposal and reader is not None and _acceptance(pair, proposal, reader) is None:
        parts.append(t("agreement.status.waiting_for_you", number=proposal.number))
    elif proposal:
        parts.append(t("agreement.status.pending", number=proposal.number))
    return "; ".join(parts) or t("agreement.status.none")


def _acceptance(pair: Pair, agreement: Agreement, person_id: int) -> object:
    if person_id == pair.mentor_id:
        return agreement.mentor_accepted_at
    return agreement.adept_accepted_at


def agreement_message(
    t: Texts,
    agreement: Agreement,
    mentor: Person,
    adept: Person,
    in_force_now: Agreement | None = None,
) -> Message:
    def accepted(at: object) -> str:
        from datetime import datetime

        return t.when(at) if isinstance(at, datetime) else t("agreement.not_yet")

    facts = (
        Fact(
            label=t("agreement.cadence"),
            value=t("agreement.every_n_days", n=agreement.cadence_days),
        ),
        Fact(
            label=t("agreement.length"), value=t("agreement.minutes", n=agreement.meeting_minutes)
        ),
        Fact(label=t("agreement.ends_on"), value=t.date(agreement.ends_on)),
        Fact(
            label=t("agreement.exit"),
            value=t("agreement.exit_yes" if agreement.no_fault_exit else "agreement.exit_no"),
        ),
    )
    state = "agreement.in_force" if agreement.accepted else "agreement.proposed"
    what_changed: tuple[Section, ...] = ()
    if in_force_now is not None and not agreement.accepted and in_force_now.id != agreement.id:
        changed = changes(t, agreement, in_force_now)
        what_changed = (
            Section(
                text=t(
                    "agreement.changed_from",
                    number=in_force_now.number,
                    what=", ".join(changed) if changed else t("agreement.nothing_changed"),
                )
            ),
        )
    mentor_resp = clause(t, agreement.mentor_responsibilities)
    adept_resp = clause(t, agreement.adept_responsibilities)
    return Message(
        title=t("agreement.title", number=agreement.number),
        sections=(
            Section(text=t(state), facts=facts),
            *what_changed,
            Section(
                text=f"*{t('agreement.confidentiality')}*\n{clause(t, agreement.confidentiality)}"
            ),
            Section(text=f"*{t('agreement.ethics')}*\n{clause(t, agreement.ethics)}"),
            Section(
                text=f"*{t('agreement.mentor_resp', name=mentor.display_name)}*\n{mentor_resp}"
            ),
            Section(text=f"*{t('agreement.adept_resp', name=adept.display_name)}*\n{adept_resp}"),
            Section(
                text=t("agreement.acceptances"),
                facts=(
                    Fact(label=mentor.display_name, value=accepted(agreement.mentor_accepted_at)),
                    Fact(label=adept.display_name, value=accepted(agreement.adept_accepted_at)),
                ),
            ),
        ),
    )


def _members(turn: Turn, pair: Pair) -> tuple[Person, Person]:
    return turn.person_by_id(pair.mentor_id), turn.person_by_id(pair.adept_id)


def _buttons_for(t: Texts, person_id: int, pair: Pair, agreement: Agreement) -> tuple[Button, ...]:
    mine = (
        agreement.mentor_accepted_at if person_id == pair.mentor_id else agreement.adept_accepted_at
    )
    buttons = []
    if not agreement.accepted and mine is None:
        buttons.append(
            button(
                t,
                "button.accept_agreement",
                Action.ACCEPT_AGREEMENT,
                AgreementRef(agreement.id or 0, agreement.number).encode(),
                "primary",
            )
        )
    buttons.append(
        button(
            t, "button.amend_agreement", Action.PROPOSE_AGREEMENT, PairRef(pair.id or 0).encode()
        )
    )
    return tuple(buttons)


def _view(turn: Turn, pair: Pair) -> Reply:
    t = turn.t
    mentor, adept = _members(turn, pair)
    messages = []
    current = in_force(turn.repo, pair.id or 0)
    for agreement in filter(None, (current, pending(turn.repo, pair.id or 0))):
        message = agreement_message(t, agreement, mentor, adept, current)
        messages.append(
            message.model_copy(
                update={"buttons": _buttons_for(t, turn.person.id or 0, pair, agreement)}
            )
        )
    if not messages:
        return turn.show(agreement_invitation(t, pair))
    return Reply(messages=messages)


def agreement_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    pair = current_pair(turn)
    if pair is None:
        return no_pair_reply(turn)
    return _view(turn, pair)


def view_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    return _view(turn, pair)


def agreement_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    base = pending(turn.repo, pair.id or 0) or in_force(turn.repo, pair.id or 0)
    programme = turn.repo.get(Programme, pair.programme_id)
    cadence = str(base.cadence_days) if base else str(programme.cadence_days if programme else 14)
    if cadence not in CADENCES:
        cadence = "14"
    return Form(
        form_id=FormId.AGREEMENT,
        title=t("agreement.form_title_amend" if base else "agreement.form_title"),
        submit_label=t("button.propose"),
        context=PairRef(pair.id or 0).encode(),
        intro=t("agreement.form_intro" if base else "agreement.form_intro_first"),
        fields=(
            FormField(
                name="cadence",
                label=t("agreement.cadence"),
                kind="choice",
                initial=cadence,
                choices=tuple(
                    Choice(value=c, label=t("agreement.every_n_days", n=int(c))) for c in CADENCES
                ),
            ),
            FormField(
                name="minutes",
                label=t("agreement.length_minutes"),
                kind="number",
                max_length=3,
                initial=str(
                    base.meeting_minutes
                    if base
                    else (programme.meeting_minutes if programme else 60)
                ),
            ),
            *(
                FormField(
                    name=name,
                    label=t(label),
                    kind="multiline",
                    max_length=1500,
                    initial=clause(t, getattr(base, field)) if base else t(default_key),
                )
                for name, label, (field, default_key) in (
                    ("confidentiality", "agreement.confidentiality", CLAUSES["confidentiality"]),
                    ("ethics", "agreement.ethics", CLAUSES["ethics"]),
                    ("mentor_resp", "agreement.mentor_resp_label", CLAUSES["mentor_resp"]),
                    ("adept_resp", "agreement.adept_resp_label", CLAUSES["adept_resp"]),
                )
            ),
            # No field for the no-fault exit: it stays in every agreement (METHOD.md, the
            # method's safety valve: either may end the mentorship without giving reasons).
            FormField(
                name="ends_on",
                label=t("agreement.ends_on"),
                kind="date",
                max_length=20,
                initial=(base.ends_on if base else pair.ends_on).isoformat(),
            ),
        ),
    )


def propose_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    return Reply(form=agreement_form(turn, pair))


def agreement_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(context))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    form = agreement_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    if not errors and not MIN_MINUTES <= clean["minutes"] <= MAX_MINUTES:
        errors["minutes"] = turn.t("meeting.bad_length", min=MIN_MINUTES, max=MAX_MINUTES)
    if not errors and clean["ends_on"] <= turn.today:
        errors["ends_on"] = turn.t("agreement.ends_in_past")
    if errors:
        return Reply(form=form, errors=errors)
    everything = turn.repo.find(Agreement, pair_id=pair.id)
    for old in everything:
        if (
            not old.accepted and old.superseded_at is None
        ):  # a newer proposal withdraws the older one
            turn.repo.update(old.model_copy(update={"superseded_at": turn.now}))
    number = max((a.number for a in everything), default=0) + 1
    agreement = turn.repo.add(
        Agreement(
            pair_id=pair.id or 0,
            number=number,
            cadence_days=int(clean["cadence"]),
            meeting_minutes=clean["minutes"],
            confidentiality=_stored(
                turn.t, clean["confidentiality"], CLAUSES["confidentiality"][1]
            ),
            ethics=_stored(turn.t, clean["ethics"], CLAUSES["ethics"][1]),
            mentor_responsibilities=_stored(
                turn.t, clean["mentor_resp"], CLAUSES["mentor_resp"][1]
            ),
            adept_responsibilities=_stored(turn.t, clean["adept_resp"], CLAUSES["adept_resp"][1]),
            no_fault_exit=True,
            ends_on=clean["ends_on"],
            proposed_by=turn.person.id or 0,
            created_at=turn.now,
            # Proposing a version is accepting it: only the partner is asked.
            **{_acceptance_field(pair, turn.person.id or 0): turn.now},
        )
    )
    turn.audit("agreement.proposed", f"pair:{pair.id}", number=number)
    mentor, adept = _members(turn, pair)
    proposer = turn.person.display_name
    current = in_force(turn.repo, pair.id or 0)
    partner = pair.partner_of(turn.person.id or 0)

    def build(t: Texts, member: int) -> Message:
        message = agreement_message(t, agreement, mentor, adept, current)
        return message.model_copy(
            update={
                "title": t("agreement.proposed_title", number=number, name=proposer),
                "buttons": _buttons_for(t, member, pair, agreement),
            }
        )

    turn.send(
        partner,
        partial(build, member=partner),
        kind="agreement-proposal",
        programme_id=pair.programme_id,
    )
    sent = turn.say("agreement.proposal_sent", number=number)
    return Reply(messages=[*sent.messages, build(turn.t, turn.person.id or 0)])


def _acceptance_field(pair: Pair, person_id: int) -> str:
    return "mentor_accepted_at" if person_id == pair.mentor_id else "adept_accepted_at"


def accept_button(turn: Turn, value: str) -> Reply:
    ref = AgreementRef.decode(value)
    agreement = turn.repo.get(Agreement, ref.agreement) if ref else None
    if agreement is None:
        return turn.say("error.stale_button")
    pair = turn.repo.get(Pair, agreement.pair_id)
    me = turn.person.id
    if pair is None or me not in pair.member_ids():
        return turn.say("error.stale_button")
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    t = turn.t
    if agreement.superseded_at is not None:
        current = pending(turn.repo, pair.id or 0) or in_force(turn.repo, pair.id or 0)
        return Reply(
            messages=[
                text(
                    t(
                        "agreement.superseded",
                        number=agreement.number,
                        current=current.number if current else "—",
                    )
                ),
                *_view(turn, pair).messages,
            ]
        )
    field = _acceptance_field(pair, me or 0)
    mine = getattr(agreement, field)
    if mine is not None:
        return turn.say("agreement.already_accepted", number=agreement.number, when=t.when(mine))
    agreement = turn.repo.update(agreement.model_copy(update={field: turn.now}))
    turn.audit("agreement.accepted", f"pair:{pair.id}", number=agreement.number)
    name = turn.person.display_name
    partner = pair.partner_of(me or 0)
    if agreement.accepted:
        for old in turn.repo.find(Agreement, pair_id=pair.id):
            if old.id != agreement.id and old.accepted and old.superseded_at is None:
                turn.repo.update(old.model_copy(update={"superseded_at": turn.now}))
        turn.send(
            partner,
            lambda t: text(t("agreement.both_accepted_notice", number=agreement.number, name=name)),
            programme_id=pair.programme_id,
        )
        pair = _follow_end_date(turn, pair, agreement)
        advance(turn, pair)
        return turn.say("agreement.both_accepted", number=agreement.number)
    turn.send(
        partner,
        lambda t: text(t("agreement.partner_accepted", number=agreement.number, name=name)),
        programme_id=pair.programme_id,
    )
    return turn.say("agreement.accepted_waiting", number=agreement.number)


def _follow_end_date(turn: Turn, pair: Pair, agreement: Agreement) -> Pair:
    """The agreement in force sets when the mentorship ends (and so the closing review); the
    mid-point moves with it unless it has already passed."""
    if agreement.ends_on == pair.ends_on:
        return pair
    changes: dict[str, object] = {"ends_on": agreement.ends_on}
    if pair.midpoint_on > turn.today:
        start = turn.t.local(pair.introduced_at).date()
        changes["midpoint_on"] = max(
            turn.today + timedelta(days=1), start + (agreement.ends_on - start) / 2
        )
    turn.audit("pair.end_date", f"pair:{pair.id}", ends_on=agreement.ends_on.isoformat())
    return turn.repo.update(pair.model_copy(update=changes))


ROUTES = Routes(
    commands=(CommandRoute("agreement", ("avtal",), Audience.PAIR, agreement_command),),
    buttons=(
        ButtonRoute(Action.PROPOSE_AGREEMENT, propose_button),
        ButtonRoute(Action.ACCEPT_AGREEMENT, accept_button),
        ButtonRoute(Action.VIEW_AGREEMENT, view_button),
    ),
    forms=(FormRoute(FormId.AGREEMENT, agreement_submitted),),
)
