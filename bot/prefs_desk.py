"""`/action prefs` and `/action away`: when nudges may reach someone. Parsing lives in
bot.nudge_settings; this module calls the core and says, in words, what the result is."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot import messages as say
from bot.dates import parse_due
from bot.model import Person, Scope, UserError
from bot.nudge_settings import USAGE_PREFS, country_source, read_country, read_prefs_change
from bot.nudges import Nudges
from bot.tracker import Tracker

AWAY_OFF_WORDS = ("off", "back", "none")


class PrefsCommand:
    def __init__(self, tracker: Tracker, nudges: Nudges) -> None:
        self.tracker = tracker
        self.nudges = nudges

    async def answer(self, verb: str, scope: Scope, actor: Person, rest: str) -> str:
        """`prefs …` or `away …` carried out, or what was wrong with the words, in words."""
        try:
            return await (self.away if verb == "away" else self.prefs)(scope, actor, rest)
        except UserError as error:
            return error.message

    async def prefs(self, scope: Scope, actor: Person, rest: str) -> str:
        """No words: the user's working time; else one change, and the working time after it."""
        verb, _, value = rest.partition(" ")
        if verb.lower() == "team-country":
            return await self._team_country(scope, actor, value)
        own = await asyncio.to_thread(self.nudges.own_prefs, scope, actor.user_id)
        if rest:
            changed = read_prefs_change(rest, own)
            await asyncio.to_thread(self.nudges.set_prefs, scope, actor.user_id, changed)
            return f"{say.PREFS_SAVED}\n{await self.describe(scope, actor)}"
        return await self.describe(scope, actor)

    async def away(self, scope: Scope, actor: Person, rest: str) -> str:
        """`until 2026-12-03`, `2026-12-03`, `next Monday`: the first day back; `off`: back now."""
        own = await asyncio.to_thread(self.nudges.own_prefs, scope, actor.user_id)
        today = self.tracker.today_for(actor)
        words = rest.strip()
        if words.lower() in AWAY_OFF_WORDS:
            await asyncio.to_thread(self.nudges.set_prefs, scope, actor.user_id, replace(own, away_until=None))
            return say.AWAY_OFF
        if words.lower().startswith(("until ", "till ")):
            words = words.split(" ", 1)[1]
        if not words:
            raise UserError(say.AWAY_NOT_FUTURE.format(today=say.explicit_date(today)))
        back = parse_due(words, today=today, locale=actor.locale)
        if back <= today:
            raise UserError(say.AWAY_NOT_FUTURE.format(today=say.explicit_date(today)))
        work = await asyncio.to_thread(self.nudges.set_prefs, scope, actor.user_id, replace(own, away_until=back))
        first = work.next_working_moment(self.nudges.clock.now())
        return say.AWAY_SET.format(back=say.explicit_date(back), first=say.moment_text(first, actor.tz))

    async def describe(self, scope: Scope, actor: Person) -> str:
        own = await asyncio.to_thread(self.nudges.own_prefs, scope, actor.user_id)
        work = await asyncio.to_thread(self.nudges.working_time, scope, actor.user_id)
        team = await asyncio.to_thread(self.nudges.team_country, scope)
        lines = [
            say.PREFS_TITLE,
            say.PREFS_DAYS.format(days=work.calendar.describe_days()),
            say.PREFS_HOURS.format(starts=f"{work.starts:%H:%M}", ends=f"{work.ends:%H:%M}", tz=work.tz),
            say.PREFS_COUNTRY.format(source=country_source(own, team, work)),
            say.PREFS_DIGEST[own.daily_digest],
            say.PREFS_AWAY.format(back=say.explicit_date(work.away_until)) if work.away_until else say.PREFS_NOT_AWAY,
            say.PREFS_NEXT.format(when=say.moment_text(work.next_working_moment(self.nudges.clock.now()), work.tz)),
            USAGE_PREFS,
        ]
        return "\n".join(lines)

    async def _team_country(self, scope: Scope, actor: Person, value: str) -> str:
        if not actor.is_admin:
            raise UserError(say.TEAM_COUNTRY_ADMINS)
        country = None if value.strip().lower() in ("off", "none", "auto") else read_country(value)
        await asyncio.to_thread(self.nudges.set_team_country, scope, country)
        return say.TEAM_COUNTRY_SET.format(country=country) if country else say.TEAM_COUNTRY_OFF
