"""Neutral messages as plain console text; buttons become numbered choices."""

from __future__ import annotations

from conversations.messages import Button, Message


def render(message: Message, first_number: int = 1) -> tuple[str, list[Button]]:
    """The message as text lines, and its buttons in the order their numbers were given."""
    lines: list[str] = []
    if message.title:
        lines.append(f"# {message.title}")
    for section in message.sections:
        lines.append(section.text)
        lines.extend(f"  {fact.label}: {fact.value}" for fact in section.facts)
    buttons = list(message.buttons)
    if buttons:
        choices = "  ".join(f"[{first_number + i}] {b.label}" for i, b in enumerate(buttons))
        lines.append(choices)
    if message.note:
        lines.append(f"({message.note})")
    return "\n".join(lines), buttons
