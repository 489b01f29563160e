"""The words of the item commands, read the same on every platform.

`/action …` in Slack and `action …` in Teams say the same things: help, a capture, `list`, or a
verb with an item reference (`done A-12`). What a word means is decided here, once; adapters
only find the mentioned people (each platform writes mentions its own way) and render answers.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot import messages as say
from bot.dates import DueDateError
from bot.intake import read_reschedule
from bot.model import ItemKind, Person, Ref, Scope, parse_ref
from bot.tracker import ChangeResult, ListKind, ListQuery, Tracker

HELP_WORDS = ("", "help", "?", "ヘルプ", "hjälp", "yardım")
# The verb that closes an item of each kind; the other verbs are shared.
CLOSING_VERB = {ItemKind.ACTION: "done", ItemKind.DECISION: "decide"}
# First words that are never the start of a capture.
SUBCOMMANDS = {ItemKind.ACTION: ("list", "prefs", "away", "export"), ItemKind.DECISION: ("list", "export")}
SHARED_VERBS = ("cancel", "reschedule", "reassign")


class Intent(enum.StrEnum):
    HELP = "help"
    CAPTURE = "capture"
    LIST = "list"
    PREFS = "prefs"
    AWAY = "away"
    EXPORT = "export"
    CHANGE = "change"
    USAGE = "usage"  # a verb that needs an item reference and has none


@dataclass(frozen=True)
class Reading:
    """What a command's text asks for: the intent, its verb, the rest, and the item it names."""

    intent: Intent
    verb: str
    rest: str
    ref: Ref | None = None


def read_command(text: str, kind: ItemKind, *, export_wanted: Callable[[str], bool]) -> Reading:
    """Read `text` (mentions left as the platform wrote them) as a command for items of `kind`.

    `export_wanted` tells `export the slides for Globex @tanaka Friday` (an item) from
    `export csv` (a request); the export words belong to the adapter that writes the file.
    """
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    if verb in HELP_WORDS:
        return Reading(Intent.HELP, verb, rest)
    if verb == "export":
        return Reading(Intent.EXPORT if export_wanted(rest) else Intent.CAPTURE, verb, rest)
    if verb in SUBCOMMANDS[kind]:
        return Reading(Intent(verb), verb, rest.strip())
    if verb in (CLOSING_VERB[kind], *SHARED_VERBS):
        words = rest.split()
        ref = parse_ref(words[0], default=kind) if words else None
        if ref is not None:
            return Reading(Intent.CHANGE, verb, rest.split(maxsplit=1)[1] if len(words) > 1 else "", ref)
        # "done with X by Friday" may well be an item; the other verbs need an id.
        if verb != "done":
            return Reading(Intent.USAGE, verb, rest)
    return Reading(Intent.CAPTURE, verb, rest)


def read_list_query(what: str, channel_id: str, kind: ItemKind, *, first_person: str | None) -> ListQuery | None:
    """`list mine|all|overdue|here|@someone|#tag`; `first_person` is the first person mentioned."""
    word = what.split()[0].lower() if what.split() else "mine"
    if word in ("mine", "my", "me"):
        return ListQuery(ListKind.MINE, item_kind=kind)
    if word in ("all", "everything"):
        return ListQuery(ListKind.ALL, item_kind=kind)
    if word in ("overdue", "late"):
        return ListQuery(ListKind.OVERDUE, item_kind=kind)
    if word in ("here", "channel"):
        return ListQuery(ListKind.CHANNEL, channel_id=channel_id, item_kind=kind)
    if first_person is not None:
        return ListQuery(ListKind.PERSON, user_id=first_person, item_kind=kind)
    if word.startswith("#") and len(word) > 1:
        return ListQuery(ListKind.TAG, tag=word[1:], item_kind=kind)
    return None


def apply_change(
    tracker: Tracker, scope: Scope, actor: Person, kind: ItemKind, reading: Reading, *, new_owner: str | None,
    today: date,
) -> ChangeResult | str:  # fmt: skip
    """Carry out `done|decide|cancel|reschedule|reassign <ref> …` given to the command for items of
    `kind`; a str is the answer instead when the command cannot be carried out as written."""
    ref, verb, rest = reading.ref, reading.verb, reading.rest
    assert ref is not None
    if ref.kind is not kind:
        return say.wrong_command(ref)
    if verb == "done":
        return tracker.mark_done(scope, ref, actor)
    if verb == "decide":
        if not rest.strip():
            return say.USAGE_DECIDE
        return tracker.decide(scope, ref, actor, rest)
    if verb == "cancel":
        return tracker.cancel(scope, ref, actor, reason=rest)
    if verb == "reschedule":
        try:
            new_due, reason = read_reschedule(rest, today=today, locale=actor.locale)
        except DueDateError as error:
            return f"{error.message} {say.usage_reschedule(ref.kind)}"
        return tracker.reschedule(scope, ref, actor, new_due, reason=reason)
    if new_owner is None:
        return say.usage_reassign(ref.kind)
    return tracker.reassign(scope, ref, actor, new_owner)
