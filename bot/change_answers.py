"""What to tell a user after they asked to change an item, in the core's light markup (`*bold*`, `<@user>`)."""

from __future__ import annotations

from datetime import date

from bot import messages as say
from bot.model import ActionItem, ChangeKind, Person, Ref
from bot.nudges import OwnerAnswer, SnoozeOutcome
from bot.tracker import ChangeResult, Outcome


def change_answer(result: ChangeResult, ref: Ref, actor: Person, today: date) -> str:
    item = result.item
    if result.outcome is Outcome.NOT_FOUND or item is None:
        return say.not_found(ref)
    if result.outcome is Outcome.NOT_ALLOWED:
        return say.NOT_ALLOWED.format(owner=item.owner_id, creator=item.creator_id, ref=ref)
    if result.outcome is Outcome.ALREADY_CLOSED:
        return say.ALREADY_CLOSED.format(ref=ref, status=say.status_text(item))
    if result.outcome is Outcome.UNCHANGED:
        if result.detail == "owner":
            return say.UNCHANGED_OWNER.format(ref=ref, owner=item.owner_id)
        return say.UNCHANGED_DUE.format(ref=ref, due=say.explicit_date(item.due_on))
    if result.outcome is Outcome.INVALID:
        if result.detail == "not_a_decision":
            return say.NOT_A_DECISION.format(ref=ref)
        if result.detail == "no_outcome":
            return say.USAGE_DECIDE
        return f"{ref}: {result.detail}"
    change = result.change
    assert change is not None
    if change.kind is ChangeKind.DONE:
        return say.DONE.format(ref=ref, actor=actor.user_id)
    if change.kind is ChangeKind.DECIDED:
        return say.DECIDED.format(ref=ref, actor=actor.user_id, outcome=change.new_value)
    if change.kind is ChangeKind.CANCELLED:
        text = say.CANCELLED.format(ref=ref, actor=actor.user_id)
        return text + (f" Reason: {change.reason}" if change.reason else "")
    if change.kind is ChangeKind.RESCHEDULED:
        old = say.explicit_date(date.fromisoformat(change.old_value or ""))
        new = say.explicit_date(date.fromisoformat(change.new_value or ""))
        text = say.RESCHEDULED.format(ref=ref, actor=actor.user_id, old=old, new=new)
        return text + (f" Reason: {change.reason}" if change.reason else "")
    return say.REASSIGNED.format(ref=ref, actor=actor.user_id, old=change.old_value, new=change.new_value)


def owner_refusal(ref: Ref, answer: OwnerAnswer) -> str:
    """Why a snooze or stop asked by someone was not carried out."""
    if answer.outcome == SnoozeOutcome.NOT_FOUND or answer.item is None:
        return say.not_found(ref)
    return item_refusal(ref, answer.item)


def item_refusal(ref: Ref, item: ActionItem | None) -> str:
    """Why only the item's owner may touch its reminders, or why there is nothing to touch."""
    if item is None:
        return say.not_found(ref)
    if not item.is_open:
        return say.ALREADY_CLOSED.format(ref=ref, status=say.status_text(item))
    return say.NUDGE_NOT_OWNER.format(owner=item.owner_id, ref=ref)
