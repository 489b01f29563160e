"""The Teams adapter, driven in-process by the Agents SDK's own TestAdapter, on the real core and storage.

Activities are shaped as Teams sends them (channel `msteams`, a tenant, `29:` user ids, mention
entities with `<at>Name</at>`, the sender's time zone); replies and invoke responses are read from
the adapter's queue, and the database is checked for what was stored.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Entity,
)
from microsoft_agents.testing import TestAdapter

from bot.clock import ManualClock
from bot.model import ItemKind, ItemStatus, Person, Ref, Scope
from bot.nudges import Nudges
from bot.outbox import Dispatcher, PlatformCouriers
from bot.sessions import Sessions
from bot.tracker import ListKind, ListQuery, Tracker
from handlers.teams.app import TeamsEndpoint, build_teams
from handlers.teams.turns import PLATFORM
from storage.store import Store
from tests.conftest import NOW

ROOT = Path(__file__).parent.parent
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT = ChannelAccount(id="28:tanto-bot", name="Tanto")
TANAKA = ChannelAccount(id="29:1tanaka-" + "x" * 80, name="Tanaka Yui", aad_object_id="aad-tanaka")
SVEN = ChannelAccount(id="29:1sven-" + "y" * 80, name="Sven Berg", aad_object_id="aad-sven")
CHANNEL = "19:globex-account@thread.tacv2"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
SCOPE = Scope(PLATFORM, TENANT)


class Teams:
    """The bot's Teams endpoint on a fresh database, and a way to talk to it as Teams does."""

    def __init__(self, database_url: str) -> None:
        self.clock = ManualClock(NOW)
        self.store = Store.open(database_url)
        self.tracker = Tracker(self.store, self.clock)
        self.nudges = Nudges(self.store, self.clock)
        self.sessions = Sessions(self.store, self.clock)
        self.endpoint: TeamsEndpoint = build_teams(
            {"TANTO_TEAMS": "local"}, tracker=self.tracker, sessions=self.sessions, nudges=self.nudges,
            clock=self.clock, deliver_soon=lambda: None,
        )  # fmt: skip

    def adapter(
        self, conversation_id: str = CHANNEL, kind: str = "channel", user: ChannelAccount = TANAKA
    ) -> TestAdapter:
        reference = ConversationReference(
            channel_id="msteams",
            service_url="https://smba.trafficmanager.net/emea/",
            agent=BOT,
            user=user,
            conversation=ConversationAccount(id=conversation_id, conversation_type=kind, tenant_id=TENANT),
        )
        return TestAdapter(conversation=reference)

    async def say(
        self, adapter: TestAdapter, text: str, *, user: ChannelAccount = TANAKA,
        mentions: tuple[ChannelAccount, ...] = (), zone: str | None = "Asia/Tokyo",
    ) -> list[Activity]:  # fmt: skip
        """Send `text` (with `<at>Name</at>` for each of `mentions`) and return the bot's replies."""
        entities = [
            Entity(
                type="mention",
                mentioned=person.model_dump(by_alias=True, exclude_none=True),
                text=f"<at>{person.name}</at>",
            )
            for person in mentions
        ]
        entities.append(Entity(type="clientInfo", locale="en-US", timezone=zone or ""))
        activity = Activity(
            type=ActivityTypes.message, text=text, from_property=user, local_timezone=zone, locale="en-US",
            entities=entities, channel_data={"tenant": {"id": TENANT}},
        )  # fmt: skip
        return await self._turn(adapter, activity)

    async def click(
        self, adapter: TestAdapter, verb: str, data: dict[str, Any], *, user: ChannelAccount = TANAKA
    ) -> dict[str, Any]:
        """An Action.Execute on one of our cards; the invoke's answer (the card that replaces it)."""
        activity = Activity(
            type=ActivityTypes.invoke, name="adaptiveCard/action", from_property=user,
            value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
            channel_data={"tenant": {"id": TENANT}},
        )  # fmt: skip
        [answer] = await self._turn(adapter, activity)
        assert answer.type == "invokeResponse" and answer.value.status == 200, answer
        body = answer.value.body
        assert body["type"] == ADAPTIVE
        return body["value"]

    async def _turn(self, adapter: TestAdapter, activity: Activity) -> list[Activity]:
        await adapter.process_activity(adapter.claims_identity, activity, self.endpoint.agent.on_turn)
        replies = []
        while (reply := adapter.get_next_reply()) is not None:
            replies.append(reply)
        return replies

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def teams(database_url: str) -> Any:
    bot = Teams(database_url)
    yield bot
    bot.close()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def card_of(reply: Activity) -> dict[str, Any]:
    [attachment] = reply.attachments
    assert attachment.content_type == ADAPTIVE
    return attachment.content


def card_text(card: dict[str, Any]) -> str:
    """Every string the card shows, in order, for assertions that read like what a user sees."""
    return json.dumps(card, ensure_ascii=False)


def targeted(reply: Activity) -> bool:
    return any(entity.type == "activityTreatment" for entity in reply.entities or [])


# Capture


def test_an_action_with_owner_and_date_is_stored_and_confirmed_with_the_explicit_date(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        [reply] = await teams.say(
            channel, "action Send revised proposal to Globex <at>Sven Berg</at> by next Friday", mentions=(SVEN,)
        )
        shown = card_text(card_of(reply))
        # Monday 2026-11-23 in Tokyo: next Friday is 2026-12-04, shown with its weekday.
        assert "A-1" in shown and "Send revised proposal to Globex" in shown
        assert "Fri 2026-12-04" in shown and "Sven Berg" in shown
        assert not targeted(reply)  # the channel sees what was agreed
        item = teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1))
        assert item is not None and item.owner_id == SVEN.id and item.creator_id == TANAKA.id
        assert item.title == "Send revised proposal to Globex"  # the mention and the date taken out
        assert item.channel_id == CHANNEL and str(item.due_on) == "2026-12-04"
        # The sender's zone came with the message and is kept for their nudges.
        [(person, _)] = teams.tracker.cached_people(SCOPE, [TANAKA.id]).values()
        assert person.tz == "Asia/Tokyo" and person.display_name == "Tanaka Yui"

    run(scenario)


def test_posts_in_different_threads_of_a_channel_belong_to_that_one_channel(teams: Teams) -> None:
    """In a Teams channel each post opens a thread (`19:…;messageid=…`): the account channel is one."""

    async def scenario() -> None:
        first, second, third = (teams.adapter(f"{CHANNEL};messageid={n}") for n in (111, 222, 333))
        await teams.say(first, "action Book the QBR room me by 2026-12-01")
        await teams.say(second, "action Send the agenda me by 2026-12-02")
        [reply] = await teams.say(third, "action list here")
        assert "Book the QBR room" in card_text(card_of(reply)) and "Send the agenda" in card_text(card_of(reply))
        item = teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 2))
        assert item is not None and item.channel_id == CHANNEL

    run(scenario)


def test_the_same_message_delivered_twice_is_one_item(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        for _ in range(2):
            await teams.say(channel, "action Book the QBR room me by 2026-12-01")
        viewer = Person(TANAKA.id)
        listing = teams.tracker.list_items(SCOPE, ListQuery(ListKind.ALL), viewer)
        assert [item.title for item in listing.items] == ["Book the QBR room"]

    run(scenario)


def test_a_capture_without_owner_or_date_is_refused_privately_with_a_form_that_finishes_it(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        [reply] = await teams.say(channel, "action Send the pricing sheet")
        assert targeted(reply)  # only the sender sees the refusal
        form = card_of(reply)
        shown = card_text(form)
        assert "Owner" in shown and "is missing" in shown and "Due date" in shown
        inputs = {element["id"]: element for element in form["body"] if element["type"].startswith("Input.")}
        assert inputs["title"]["value"] == "Send the pricing sheet" and inputs["title"]["isRequired"]
        assert inputs["owner"]["type"] == "Input.ChoiceSet" and inputs["owner"]["isRequired"]
        assert TANAKA.id in [choice["value"] for choice in inputs["owner"]["choices"]]
        assert inputs["due"]["type"] == "Input.Date" and inputs["due"]["isRequired"]
        assert teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1)) is None  # nothing stored yet

        [submit] = form["actions"]
        data = {**submit["data"], "title": "Send the pricing sheet", "owner": TANAKA.id, "due": "2026-12-02"}
        answered = await teams.click(channel, submit["verb"], data)
        assert "A-1" in card_text(answered) and "Wed 2026-12-02" in card_text(answered)
        item = teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1))
        assert item is not None and item.owner_id == TANAKA.id and item.channel_id == CHANNEL

        # The same form sent again (a double click) records nothing more.
        again = await teams.click(channel, submit["verb"], data)
        assert "no longer here" in card_text(again)
        assert teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 2)) is None

    run(scenario)


def test_a_form_sent_back_still_without_a_date_asks_again(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        [reply] = await teams.say(channel, "action Send the pricing sheet")
        [submit] = card_of(reply)["actions"]
        answered = await teams.click(channel, submit["verb"], {**submit["data"], "owner": TANAKA.id, "due": ""})
        assert "Due date" in card_text(answered) and any(e.get("id") == "due" for e in answered["body"])
        assert teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1)) is None

    run(scenario)


# Working the list


def test_list_shows_my_items_privately_with_names_and_dates(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        await teams.say(channel, "action Draft the renewal <at>Tanaka Yui</at> by 2026-12-01", mentions=(TANAKA,))
        await teams.say(channel, "action Check the SLA <at>Sven Berg</at> by 2026-12-03", mentions=(SVEN,))
        [reply] = await teams.say(channel, "list")
        shown = card_text(card_of(reply))
        assert targeted(reply)
        assert "A-1" in shown and "Draft the renewal" in shown and "Tue 2026-12-01" in shown
        assert "Check the SLA" not in shown  # Sven's, not mine
        [reply] = await teams.say(channel, "action list all")
        assert "Check the SLA" in card_text(card_of(reply)) and "Sven Berg" in card_text(card_of(reply))

    run(scenario)


def test_done_by_button_closes_the_item_and_only_owner_or_creator_may(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        await teams.say(channel, "action Draft the renewal <at>Sven Berg</at> by 2026-12-01", mentions=(SVEN,))
        stranger = ChannelAccount(id="29:1stranger", name="Someone Else")
        refused = await teams.click(channel, "done", {"ref": "A-1"}, user=stranger)
        assert "Only the owner (Sven Berg), the creator (Tanaka Yui)" in card_text(refused)
        assert teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1)).status is ItemStatus.OPEN  # type: ignore[union-attr]

        answered = await teams.click(channel, "done", {"ref": "A-1"}, user=SVEN)
        assert "marked done by Sven Berg" in card_text(answered)
        assert teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1)).status is ItemStatus.DONE  # type: ignore[union-attr]
        # A closed item's card offers no more buttons.
        assert "actions" not in answered

    run(scenario)


def test_reschedule_by_text_and_by_button(teams: Teams) -> None:
    async def scenario() -> None:
        channel = teams.adapter()
        await teams.say(channel, "action Draft the renewal me by 2026-12-01")
        [reply] = await teams.say(channel, "action reschedule A-1 2026-12-08 customer asked")
        assert "Tue 2026-12-01 → Tue 2026-12-08" in card_text(card_of(reply))
        answered = await teams.click(channel, "reschedule", {"ref": "A-1", "due": "2026-12-10"})
        assert "Thu 2026-12-10" in card_text(answered)
        assert str(teams.tracker.item(SCOPE, Ref(ItemKind.ACTION, 1)).due_on) == "2026-12-10"  # type: ignore[union-attr]

    run(scenario)


# Proactive


def test_a_due_nudge_reaches_the_owner_in_their_1_1_chat_with_buttons(teams: Teams) -> None:
    async def scenario() -> None:
        personal = teams.adapter("a:1sven-personal-chat-" + "z" * 100, "personal", user=SVEN)
        await teams.say(personal, "help", user=SVEN, zone="Europe/Stockholm")  # Sven opened a chat with Tanto once
        channel = teams.adapter()
        await teams.say(channel, "action Send the contract <at>Sven Berg</at> by 2026-11-24", mentions=(SVEN,))

        teams.clock.advance(timedelta(days=2))  # now overdue
        teams.nudges.plan()
        couriers = PlatformCouriers({PLATFORM: teams.endpoint.courier})
        teams.endpoint.courier.adapter = personal  # the SDK's test adapter stands in for Teams' service
        report = await Dispatcher(teams.store, couriers, teams.clock).sweep()
        assert report.sent == 1

        [nudge] = personal.activity_queue
        assert nudge.conversation.id.startswith("a:1sven-personal-chat-")
        card = card_of(nudge)
        shown = card_text(card)
        assert "A-1" in shown and "Send the contract" in shown and "Tue 2026-11-24" in shown and "overdue" in shown
        verbs = [a.get("verb") for s in card["body"] if s["type"] == "ActionSet" for a in s["actions"]]
        assert "done" in verbs and "snooze" in verbs
        # Delivered once: a second sweep sends nothing.
        assert (await Dispatcher(teams.store, couriers, teams.clock).sweep()).sent == 0

    run(scenario)


# The app package


def test_every_command_the_teams_manifest_declares_is_understood(teams: Teams) -> None:
    manifest = json.loads((ROOT / "teams" / "manifest.json").read_text())
    [bot] = manifest["bots"]
    assert bot["botId"] == manifest["id"]  # one Entra app id, written in both places
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    [commands] = bot["commandLists"]
    titles = [command["title"] for command in commands["commands"]]
    assert titles == ["action", "decision", "session", "list", "help"]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands["commands"])
    for name, size in (("color", 192), ("outline", 32)):
        header = (ROOT / "teams" / manifest["icons"][name]).read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", header[16:24]) == (size, size)

    async def scenario() -> None:
        personal = teams.adapter("a:1tanaka-personal", "personal")
        for title in titles:
            [reply] = await teams.say(personal, title)
            assert "did not understand" not in card_text(card_of(reply)), title

    run(scenario)
