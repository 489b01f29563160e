"""The words of the session command, read the same on every platform.

`/session first Tuesday 10:00 Asia/Tokyo` in Slack and `session first Tuesday …` in Teams change
the same schedule; this reads the verb, calls `Sessions`, and hands back what to say, which the
adapter renders. Previews and exports produce files or long messages and stay with the adapters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import session_messages as say
from bot.dates import read_phrase
from bot.lead_time import read_lead_time
from bot.messages import explicit_date
from bot.model import Person, Scope
from bot.nudge_settings import describe_ladder, read_ladder_change
from bot.nudges import Nudges
from bot.sessions import AGENDA, MINUTES, SessionError, Sessions, SessionView

_MOVE_SEPARATOR = re.compile(r"\s+(?:to|naar|till|→|->|へ|に)\s+|\s*(?:→|->)\s*", re.IGNORECASE)
_LENGTH = re.compile(r"^(\d{1,3})\s*(m|min|mins|minutes|h|hours?|分|時間)?$", re.IGNORECASE)


@dataclass(frozen=True)
class SessionAnswer:
    """What to say: a headline, the schedule it is about (if any), and who should see it."""

    headline: str
    view: SessionView | None = None
    visible: bool = False  # the whole channel, not only the one who asked
    views: list[SessionView] = field(default_factory=list)  # `list`: every session in the workspace


class SessionDesk:
    def __init__(self, sessions: Sessions, nudges: Nudges) -> None:
        self.sessions = sessions
        self.nudges = nudges

    def answer(
        self, verb: str, rest: str, text: str, *, scope: Scope, channel: str, actor: Person, request_key: str,
        today: date,
    ) -> SessionAnswer:  # fmt: skip
        """Carry out `session <verb> <rest>` (`text` is the whole of it, for a rhythm); raises
        `UserError` with the answer when the words cannot be read."""
        sessions = self.sessions
        if verb == "list":
            return SessionAnswer("", views=sessions.in_workspace(scope))
        if verb in ("next", "show", "status"):
            view = sessions.view(scope, channel)
            if view is None:
                raise SessionError(say.NO_SESSION)
            return SessionAnswer(say.CURRENT, view)
        if verb in ("agenda", "minutes"):
            kind = AGENDA if verb == "agenda" else MINUTES
            occasion = sessions.post_now(scope, channel, kind, request_key)
            note = say.AGENDA_QUEUED if kind == AGENDA else say.MINUTES_QUEUED
            return SessionAnswer(note.format(when=moment(occasion.starts_at)))
        if verb in ("lead", "checkin"):
            if not rest:
                raise SessionError(say.USAGE_LEAD)
            view = sessions.set_lead(scope, channel, read_lead_time(rest), checkin=verb == "checkin")
            return SessionAnswer(say.LEAD_SET, view, visible=True)
        if verb in ("length", "duration"):
            return SessionAnswer(say.LENGTH_SET, sessions.set_duration(scope, channel, read_length(rest)), visible=True)
        if verb == "tag":
            tag = rest.lstrip("#").strip().lower()
            if not tag or " " in tag:
                raise SessionError(say.USAGE_TAG)
            cleared = tag in ("none", "-", "off")
            sessions.set_tag(scope, channel, None if cleared else tag)
            return SessionAnswer(say.TAG_CLEARED if cleared else say.TAG_SET.format(tag=tag), visible=True)
        if verb == "nudges":
            return SessionAnswer(self._nudges(scope, channel, rest))
        if verb == "off":
            return SessionAnswer(say.TURNED_OFF, sessions.turn_off(scope, channel), visible=True)
        if verb == "skip":
            if not rest:
                raise SessionError(say.USAGE_SKIP)
            day, _ = read_phrase(rest, today=today, locale=actor.locale)
            view = sessions.skip(scope, channel, day, actor)
            return SessionAnswer(say.SKIPPED.format(day=day.isoformat()), view, visible=True)
        if verb == "move":
            parts = _MOVE_SEPARATOR.split(rest, maxsplit=1)
            if len(parts) != 2:
                raise SessionError(say.USAGE_MOVE)
            day, _ = read_phrase(parts[0], today=today, locale=actor.locale)
            to_day, at = read_phrase(parts[1], today=today, locale=actor.locale)
            view = sessions.move(scope, channel, day, to_day, at, actor)
            return SessionAnswer(say.MOVED.format(day=day.isoformat()), view, visible=True)
        return SessionAnswer(say.SET, sessions.set_rhythm(scope, channel, text, actor), visible=True)

    def _nudges(self, scope: Scope, channel: str, rest: str) -> str:
        """The channel's nudge ladder in words; with words, changed first (only to the one who asked:
        it changes reminders, not the session, so the channel need not hear of it)."""
        ladder = self.nudges.ladder(scope, channel)
        if not rest:
            return say.NUDGES_NOW.format(ladder=describe_ladder(ladder))
        changed = self.nudges.set_ladder(scope, channel, read_ladder_change(rest, ladder))
        return say.NUDGES_SET.format(ladder=describe_ladder(changed))


def read_length(text: str) -> int:
    """A session's length in minutes: `90`, `90m`, `1h`, `2 hours`, `90分`."""
    found = _LENGTH.match(text.strip())
    if not found:
        raise SessionError(say.USAGE_LENGTH)
    amount, unit = int(found.group(1)), (found.group(2) or "m").lower()
    minutes = amount * 60 if unit.startswith("h") or unit == "時間" else amount
    if not 5 <= minutes <= 8 * 60:
        raise SessionError(say.USAGE_LENGTH)
    return minutes


def moment(when: datetime) -> str:
    """`Tue 2026-12-01 10:00` in the session's own zone (the datetime carries it)."""
    return f"{explicit_date(when.date())} {when:%H:%M}"
