"""Tanto in a Teams client simulator: `tanto run` with TANTO_TEAMS=local, talked to by the
Microsoft 365 Agents Playground over real HTTP, the way Teams' service would.

Skipped, with the reason, where Node.js or the pinned Playground is missing; `.ci/run` installs it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.slack.standin.server import SlackStandIn
from tests.bot_process import BotProcess
from tests.playground import Playground, missing
from tests.test_delivery_faults import bot_for

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@pytest.fixture
def bot(standin: SlackStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    database_url = f"sqlite:///{tmp_path / 'tanto.db'}"
    process = bot_for(standin, database_url, tmp_path, env={"TANTO_TEAMS": "local"}).start()
    yield process
    process.kill()


def shown(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The card's button with this verb, wherever it sits (card actions, action sets, show cards)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    assert found, f"no {verb} button on {shown(card)}"
    return found[0]


def test_capture_refusal_form_and_done_in_the_playground(bot: BotProcess) -> None:
    async def scenario() -> None:
        async with Playground(bot.url + "/api/messages", zone="Asia/Tokyo") as teams:
            chat = teams.personal_chat
            await teams.install(chat)
            _, welcome = await teams.next_card()
            assert "Tanto keeps the account plan honest" in shown(welcome)

            # A complete capture in the 1:1 chat: stored, confirmed with the explicit date.
            await teams.say(chat, "action Send revised proposal to Globex me by 2026-12-04")
            card_id, confirmed = await teams.next_card()
            assert '"**A-1** · Send revised proposal to Globex"' in shown(confirmed)
            assert "Fri 2026-12-04" in shown(confirmed)
            assert teams.me["name"] in shown(confirmed)

            # An incomplete one: refused with the missing fields as required inputs; the form finishes it.
            await teams.say(chat, "action Call the customer about the pilot")
            form_id, form = await teams.next_card()
            assert "Owner" in shown(form) and "is missing" in shown(form)
            record = action(form, "complete")
            answer = await teams.click(chat, form_id, record, {"owner": teams.me["id"], "due": "2026-12-02"})
            assert "A-2" in shown(answer) and "Wed 2026-12-02" in shown(answer)

            # Done from the confirmation card's button; the card comes back closed.
            answer = await teams.click(chat, card_id, action(confirmed, "done"))
            assert "marked done by" in shown(answer) and teams.me["name"] in shown(answer)

            await teams.say(chat, "list")
            _, listing = await teams.next_card()
            assert "A-2" in shown(listing) and "Call the customer about the pilot" in shown(listing)
            assert "Send revised proposal" not in shown(listing)  # done, so no longer open

    asyncio.run(scenario())


def test_a_group_chat_capture_names_the_mentioned_owner(bot: BotProcess) -> None:
    async def scenario() -> None:
        async with Playground(bot.url + "/api/messages") as teams:
            group = teams.group_chat
            megan = teams.user("Megan Bowen")
            text = f"<at>{teams.bot['name']}</at> action Prepare the demo <at>Megan Bowen</at> by 2026-12-03"
            await teams.say(group["id"], text, mentions=(teams.bot, megan))
            _, confirmed = await teams.next_card()
            assert '"**A-1** · Prepare the demo"' in shown(confirmed)  # the mentions and the date taken out
            assert "Megan Bowen" in shown(confirmed) and "Thu 2026-12-03" in shown(confirmed)

    asyncio.run(scenario())
