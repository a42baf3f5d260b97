"""The coordinator's weekly digest of one programme (``coordinator-digest``): the same
figures and the same follow-up list, by name, as `status` (``conversations.attention``), as
one message. None for a closed programme and for one with nobody in it: the digest stops."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from conversations.attention import attention_lines, concerns, pulse_line
from conversations.config import CoreConfig
from conversations.i18n import Texts
from conversations.messages import Message, Section
from conversations.ports import Repo
from conversations.records import (
    Enrolment,
    EnrolmentStatus,
    Meeting,
    MeetingStatus,
    Pair,
    Programme,
    ProgrammeStatus,
)
from conversations.routes import Action
from conversations.turn import button


def digest_message(
    repo: Repo, programme_id: int, now: datetime, config: CoreConfig, t: Texts
) -> Message | None:
    programme = repo.get(Programme, programme_id)
    if programme is None or programme.status != ProgrammeStatus.OPEN:
        return None
    pairs = repo.find(Pair, programme_id=programme.id)
    enrolled = repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
    if not enrolled and not pairs:
        return None  # nobody in it: nothing to say, week after week
    phases = Counter(p.phase for p in pairs)
    held = [
        m
        for m in repo.find(Meeting, pair_id=[p.id for p in pairs])
        if m.status == MeetingStatus.HELD
    ]
    lines = ", ".join(f"{t('phase.' + ph)} {n}" for ph, n in sorted(phases.items())) or "—"
    body = t("digest.body", pairs=len(pairs), phases=lines, meetings=len(held))
    pulse = pulse_line(t, repo, programme)
    if pulse is not None:
        body += "\n" + pulse
    found = concerns(repo, programme, now, config)
    attention = "\n".join(
        [f"*{t('attention.title', name=programme.name)}*", *attention_lines(t, found)]
    )
    return Message(
        title=t("digest.title", programme=programme.name),
        sections=(Section(text=body), Section(text=attention)),
        buttons=(button(t, "button.home", Action.HOME),),
        note=t("status.privacy"),
    )
