"""Installing Tanto in many workspaces over Slack OAuth, end to end.

The app runs in OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN) against
the Slack stand-in, whose OAuth desk plays Slack's side: the consent screen (a test approves an
install and gets the code Slack would append to the redirect), oauth.v2.access (codes and refresh
tokens for bot tokens), token expiry and revocation. The installer's browser is an HTTP client
that follows what the app answers, carrying the state cookie the way a browser does over https.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import DateTime, bindparam, text

from bot.clock import ManualClock
from bot.config import ConfigError, Settings
from bot.model import Scope
from handlers.slack.server import start
from handlers.slack.standin.driver import DEFAULT_CHANNEL, FORM, JSON, SlackDriver
from handlers.slack.standin.oauth import CLIENT_ID, CLIENT_SECRET
from handlers.slack.standin.server import APP_ID, BOT_USER_ID, RESPONSE_URL_METHOD, SlackStandIn, blocks_text
from tests.conftest import SIGNING_SECRET, AppUnderTest, LoopThread, settings_for

STATE_COOKIE = "slack-app-oauth-state"
GLOBEX = "T0GLOBEX"  # a workspace of its own
INITECH = "T0INITECH"  # another one
GRID = "E0UMBRELLA"  # an Enterprise Grid organisation…
GRID_SALES = "T0UMBSALES"  # …with two workspaces
GRID_LEGAL = "T0UMBLEGAL"
# People, each in their own workspace.
GLORIA = "U0GLORIA"  # Globex, Tokyo
IVAN = "U0IVAN"  # Initech, Amsterdam
SAM = "U0SAM"  # Umbrella sales
LEA = "U0LEA"  # Umbrella legal
MONTHLY = "every first Tuesday of the month at 10:00"
# Sessions set up here are the first Tuesday of the month at 10:00 in their author's zone:
# Tue 2026-12-01. Its agenda goes out one business day before; by noon UTC on the Monday it is due
# everywhere.
AGENDA_TIME = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

Launch = Callable[..., AppUnderTest]

# slack_sdk sends the client id and secret of oauth.v2.access with aiohttp's BasicAuth, which
# aiohttp has deprecated; nothing of ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


# The app in OAuth mode


@pytest.fixture
def people(standin: SlackStandIn) -> SlackStandIn:
    standin.add_user(GLORIA, name="gloria", tz="Asia/Tokyo", locale="ja-JP", team_id=GLOBEX)
    standin.add_user(IVAN, name="ivan", tz="Europe/Amsterdam", locale="nl-NL", team_id=INITECH)
    standin.add_user(SAM, name="sam", tz="America/New_York", team_id=GRID_SALES)
    standin.add_user(LEA, name="lea", tz="Europe/London", locale="en-GB", team_id=GRID_LEGAL)
    return standin


@pytest.fixture
def launch(people: SlackStandIn, database_url: str, clock: ManualClock) -> Iterator[Launch]:
    """Starts the app in OAuth mode, with more settings if given (TANTO_ON_UNINSTALL=purge)."""
    started: list[tuple[LoopThread, Any]] = []

    def launch_app(**env: str) -> AppUnderTest:
        settings = Settings.from_env(
            {
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": people.api_url,
                "DATABASE_URL": database_url,
                **env,
            }
        )
        loop = LoopThread()
        running = loop.run(start(replace(settings, port=0), clock=clock, host="127.0.0.1", ticks=False))
        started.append((loop, running))
        return AppUnderTest(running, loop, clock)

    yield launch_app
    for loop, running in reversed(started):
        loop.run(running.stop())
        loop.close()


@pytest.fixture
def app(launch: Launch) -> AppUnderTest:
    return launch()


# The installer's browser


def begin_install(app: AppUnderTest) -> tuple[str, str]:
    """GET /slack/install: the app sends the browser to Slack's consent screen. The state it
    carries, and the cookie that binds it to this browser."""
    answer = httpx.get(app.url + "/slack/install")
    assert answer.status_code == 302, answer.text
    target = urllib.parse.urlsplit(answer.headers["location"])
    query = dict(urllib.parse.parse_qsl(target.query))
    assert target.path == "/oauth/v2/authorize"
    assert query["client_id"] == CLIENT_ID
    assert "chat:write" in query["scope"].split(",") and "commands" in query["scope"].split(",")
    assert query.get("user_scope", "") == ""  # Tanto acts as its bot only
    cookie = answer.cookies.get(STATE_COOKIE)
    assert cookie == query["state"]
    return query["state"], cookie


def finish_install(app: AppUnderTest, code: str, state: str, cookie: str | None) -> httpx.Response:
    """Slack sends the browser back to GET /slack/oauth_redirect with the code and the state."""
    cookies = {STATE_COOKIE: cookie} if cookie is not None else {}
    return httpx.get(app.url + "/slack/oauth_redirect", params={"code": code, "state": state}, cookies=cookies)


def install(
    app: AppUnderTest, standin: SlackStandIn, team_id: str | None, *, enterprise_id: str | None = None,
    team_name: str | None = None,
) -> str:  # fmt: skip
    """The whole install, approved on Slack's screen; the bot token Slack issued for it."""
    state, cookie = begin_install(app)
    code = standin.oauth.approve(team_id, enterprise_id=enterprise_id, team_name=team_name)
    page = finish_install(app, code, state, cookie)
    assert page.status_code == 200, page.text
    assert "Tanto is installed" in page.text
    if team_id is None:  # org-wide: the organisation's admin picks the workspaces next
        assert "Choose the workspaces it may join" in page.text and f"/apps/profile/{APP_ID}/workspaces" in page.text
    else:
        assert (team_name or f"Workspace {team_id}") in page.text
    return standin.oauth.tokens_of(team_id, enterprise_id)[-1]


def capture(driver: SlackDriver, line: str, *, user: str) -> str:
    """An item recorded with /action; what the channel was shown."""
    reply = driver.command("/action", line, user=user)
    assert reply.response_type == "in_channel", reply.text
    return reply.text


# Slack's side for each workspace


def workspace(app: AppUnderTest, standin: SlackStandIn, team_id: str) -> SlackDriver:
    return SlackDriver(app.url + "/slack/events", SIGNING_SECRET, standin, team_id=team_id, settle=app.settle)


def grid_command(
    app: AppUnderTest, standin: SlackStandIn, team_id: str, text_: str, *, user: str, command: str = "/action",
    channel: str = DEFAULT_CHANNEL, org_wide: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """A slash command typed in a workspace of the Grid organisation, as Slack sends it there
    (with the organisation's id); the answer the user sees (acknowledgement or response URL)."""
    driver = workspace(app, standin, team_id)
    response_url = standin.new_response_url()
    fields = {
        "team_id": team_id, "team_domain": team_id.lower(), "enterprise_id": GRID, "enterprise_name": "Umbrella",
        "channel_id": channel, "channel_name": "acct", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text_, "api_app_id": APP_ID,
        "is_enterprise_install": "true" if org_wide else "false",
        "response_url": response_url, "trigger_id": driver.new_trigger_id(),
    }  # fmt: skip
    answer = driver.raw(urllib.parse.urlencode(fields).encode(), FORM)
    assert answer.status_code == 200, answer.text
    app.settle()
    if answer.content:
        return answer.json()
    path = urllib.parse.urlsplit(response_url).path
    [reply] = [c.args for c in standin.calls_to(RESPONSE_URL_METHOD) if c.path == path]
    return reply


def signed_event(
    app: AppUnderTest, standin: SlackStandIn, event: dict[str, Any], *, team_id: str | None,
    enterprise_id: str | None = None, org_wide: bool = False,
) -> httpx.Response:  # fmt: skip
    """An Events API delivery to the app, signed, about the installation it names."""
    envelope = {
        "token": "verification-token", "team_id": team_id or GRID, "api_app_id": APP_ID,
        "event": {**event, "event_ts": f"{time.time():.6f}"}, "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}", "event_time": int(time.time()),
        "authorizations": [{
            "enterprise_id": enterprise_id, "team_id": None if org_wide else team_id, "user_id": BOT_USER_ID,
            "is_bot": True, "is_enterprise_install": org_wide,
        }],
        "is_ext_shared_channel": False,
    }  # fmt: skip
    answer = workspace(app, standin, team_id or GRID).raw(json.dumps(envelope).encode(), JSON)
    app.settle()
    return answer


# What Tanto stored


def titles(app: AppUnderTest, team_id: str, enterprise_id: str = "") -> list[str]:
    """The items stored for one workspace, straight from the database."""
    query = text(
        "SELECT a.title FROM action_item a JOIN workspace w ON w.id = a.workspace_id "
        "WHERE w.team_id = :team AND w.enterprise_id = :enterprise ORDER BY a.id"
    )
    with app.running.store.engine.connect() as connection:
        return list(connection.execute(query, {"team": team_id, "enterprise": enterprise_id}).scalars())


def workspaces(app: AppUnderTest) -> set[tuple[str, str]]:
    with app.running.store.engine.connect() as connection:
        return {(row[0], row[1]) for row in connection.execute(text("SELECT enterprise_id, team_id FROM workspace"))}


def installations(app: AppUnderTest) -> list[dict[str, Any]]:
    query = text(
        "SELECT enterprise_id, team_id, bot_token, bot_refresh_token, is_enterprise_install "
        "FROM slack_installations ORDER BY id"
    )
    with app.running.store.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def tokens_used(standin: SlackStandIn, method: str) -> list[str | None]:
    return [call.token for call in standin.calls_to(method)]


# Installing


def test_an_install_stores_the_workspace_token_and_its_commands_use_it(app: AppUnderTest, people: SlackStandIn) -> None:
    token = install(app, people, GLOBEX, team_name="Globex")
    [exchange] = people.calls_to("oauth.v2.access")
    assert exchange.args["client_id"] == CLIENT_ID and exchange.args["code"].startswith("code-")
    [stored] = installations(app)
    assert (stored["team_id"], stored["bot_token"], stored["is_enterprise_install"]) == (GLOBEX, token, False)

    people.clear()
    reply = workspace(app, people, GLOBEX).command(
        "/action", f"Send the proposal <@{GLORIA}|gloria> tomorrow", user=GLORIA
    )
    assert reply.response_type == "in_channel", reply.text
    # Gloria's "tomorrow" is Tokyo's: her profile was read with Globex's own token.
    assert set(tokens_used(people, "users.info")) == {token}
    assert titles(app, GLOBEX) == ["Send the proposal"]


def test_a_workspace_without_an_installation_is_told_so_and_nothing_is_stored(
    launch: Launch, people: SlackStandIn
) -> None:
    app = launch(TANTO_PUBLIC_URL="https://tanto.example.com/")
    reply = workspace(app, people, INITECH).command("/action", f"Call the CFO <@{IVAN}|ivan> tomorrow", user=IVAN)
    assert "not installed in this workspace" in reply.text
    assert "https://tanto.example.com/slack/install" in reply.text
    assert titles(app, INITECH) == []
    assert people.calls_to("users.info") == []  # no token to ask with


# Refused installs


def test_a_state_that_was_never_issued_is_refused(app: AppUnderTest, people: SlackStandIn) -> None:
    code = people.oauth.approve(GLOBEX)
    forged = secrets.token_urlsafe(16)
    page = finish_install(app, code, forged, forged)
    assert page.status_code == 401
    assert "Tanto was not installed" in page.text and "expired or was already used" in page.text
    assert 'href="/slack/install"' in page.text  # the way to start again
    assert people.calls_to("oauth.v2.access") == []  # the code was never exchanged
    assert installations(app) == []


def test_a_state_works_once(app: AppUnderTest, people: SlackStandIn) -> None:
    state, cookie = begin_install(app)
    assert finish_install(app, people.oauth.approve(GLOBEX), state, cookie).status_code == 200
    replayed = finish_install(app, people.oauth.approve(INITECH), state, cookie)
    assert replayed.status_code == 401 and "already used" in replayed.text
    assert [row["team_id"] for row in installations(app)] == [GLOBEX]


def test_an_expired_state_is_refused(app: AppUnderTest, people: SlackStandIn) -> None:
    state, cookie = begin_install(app)
    # The installer lingered on Slack's consent screen for more than the ten minutes a state lives.
    with app.running.store.engine.begin() as connection:
        update = text("UPDATE slack_oauth_states SET expire_at = :past").bindparams(bindparam("past", type_=DateTime()))
        connection.execute(update, {"past": _minutes_ago(1)})
    page = finish_install(app, people.oauth.approve(GLOBEX), state, cookie)
    assert page.status_code == 401 and "expired" in page.text and "10 minutes" in page.text
    assert installations(app) == []


def test_an_install_finished_in_another_browser_is_refused(app: AppUnderTest, people: SlackStandIn) -> None:
    state, _ = begin_install(app)
    page = finish_install(app, people.oauth.approve(GLOBEX), state, cookie=None)
    assert page.status_code == 400 and "another browser" in page.text
    assert people.calls_to("oauth.v2.access") == [] and installations(app) == []


def test_cancelling_on_slacks_screen_or_a_code_slack_refuses_installs_nothing(
    app: AppUnderTest, people: SlackStandIn
) -> None:
    state, cookie = begin_install(app)
    cancelled = httpx.get(
        app.url + "/slack/oauth_redirect", params={"error": "access_denied", "state": state},
        cookies={STATE_COOKIE: cookie},
    )  # fmt: skip
    assert cancelled.status_code == 200 and "cancelled on Slack" in cancelled.text
    state, cookie = begin_install(app)
    refused = finish_install(app, "code-that-slack-never-issued", state, cookie)
    assert refused.status_code == 401 and "Slack did not accept the install code" in refused.text
    assert installations(app) == []


# Many workspaces


def test_two_workspaces_never_see_each_others_items(app: AppUnderTest, people: SlackStandIn) -> None:
    globex_token = install(app, people, GLOBEX)
    initech_token = install(app, people, INITECH)
    globex, initech = workspace(app, people, GLOBEX), workspace(app, people, INITECH)
    people.clear()
    capture(globex, f"Globex renewal <@{GLORIA}|gloria> by 2026-12-10", user=GLORIA)
    capture(initech, f"Initech pilot <@{IVAN}|ivan> by 2026-12-11", user=IVAN)
    # Each workspace counts its own items, and lists only its own.
    assert titles(app, GLOBEX) == ["Globex renewal"] and titles(app, INITECH) == ["Initech pilot"]
    listed = globex.command("/action", "list all", user=GLORIA).text
    assert "A-1" in listed and "Globex renewal" in listed and "Initech" not in listed
    done = initech.command("/action", "done A-1", user=IVAN)
    assert "A-1 marked done" in done.text
    assert "Globex renewal" in globex.command("/action", "list all", user=GLORIA).text  # still open there
    # Each spoke to Slack with its own token only.
    lookups = {call.args["user"]: call.token for call in people.calls_to("users.info")}
    assert lookups == {GLORIA: globex_token, IVAN: initech_token}


def test_outbox_posts_speak_for_their_own_workspace(app: AppUnderTest, people: SlackStandIn) -> None:
    tokens = {team: install(app, people, team) for team in (GLOBEX, INITECH)}
    channels = {GLOBEX: "C0GLOBEX", INITECH: "C0INITECH"}
    for team, user in ((GLOBEX, GLORIA), (INITECH, IVAN)):
        driver = workspace(app, people, team)
        driver.command("/session", MONTHLY, user=user, channel=channels[team])
        assert driver.command("/session", "agenda", user=user, channel=channels[team]).status == 200
    app.settle()
    posted = {call.args["channel"]: call.token for call in people.calls_to("chat.postMessage")}
    assert posted == {channels[GLOBEX]: tokens[GLOBEX], channels[INITECH]: tokens[INITECH]}


# Token rotation


def test_an_expiring_token_is_refreshed_before_a_command_uses_it(app: AppUnderTest, people: SlackStandIn) -> None:
    people.oauth.rotation = True
    people.oauth.token_lifetime = 3600  # an hour left: inside the two hours before expiry
    first = install(app, people, GLOBEX)
    [stored] = installations(app)
    assert stored["bot_token"] == first and stored["bot_refresh_token"]
    people.oauth.token_lifetime = 43_200  # what Slack hands out: 12 hours
    people.clear()

    globex = workspace(app, people, GLOBEX)
    reply = globex.command("/action", f"Globex renewal <@{GLORIA}|gloria> by 2026-12-10", user=GLORIA)
    assert reply.response_type == "in_channel", reply.text
    [refresh] = people.calls_to("oauth.v2.access")
    assert refresh.args["grant_type"] == "refresh_token"
    assert refresh.args["refresh_token"] == stored["bot_refresh_token"]
    fresh = people.oauth.tokens_of(GLOBEX)[-1]
    assert fresh != first
    assert set(tokens_used(people, "users.info")) == {fresh}
    [refreshed] = installations(app)  # the installation is updated, not added to
    assert refreshed["bot_token"] == fresh and refreshed["bot_refresh_token"] != stored["bot_refresh_token"]

    # The new token has twelve hours: the next command needs no refresh.
    people.clear()
    globex.command("/action", "list", user=GLORIA)
    assert people.calls_to("oauth.v2.access") == []


def test_scheduled_posts_refresh_the_token_themselves(app: AppUnderTest, people: SlackStandIn) -> None:
    people.oauth.rotation = True
    people.oauth.token_lifetime = 3600  # every token handed out is within two hours of expiry
    first = install(app, people, GLOBEX)
    globex = workspace(app, people, GLOBEX)
    capture(globex, f"Globex renewal <@{GLORIA}|gloria> by 2026-11-27", user=GLORIA)
    assert globex.command("/session", MONTHLY, user=GLORIA).response_type == "in_channel"
    # Each request refreshed the token it found (each had an hour left); the last one stored
    # still has an hour left, and from now on Slack hands out 12-hour tokens.
    assert len(people.calls_to("oauth.v2.access")) >= 2
    people.oauth.token_lifetime = 43_200
    people.clear()

    # No request comes in: the planner queues the agenda and the nudge, and the first delivery
    # refreshes the token, once, for both.
    app.clock.set(AGENDA_TIME)
    app.tick()
    posts = people.calls_to("chat.postMessage")
    assert {_outbox_key(call).partition(":")[0] for call in posts} >= {"agenda"}
    [refresh] = people.calls_to("oauth.v2.access")
    assert refresh.args["grant_type"] == "refresh_token"
    fresh = people.oauth.tokens_of(GLOBEX)[-1]
    assert {call.token for call in posts} == {fresh} and fresh != first
    assert not any(call.failed for call in people.calls)  # no call went out with an expired token
    assert installations(app)[0]["bot_token"] == fresh


def test_a_request_and_a_delivery_at_the_same_moment_refresh_a_token_once(
    app: AppUnderTest, people: SlackStandIn
) -> None:
    people.oauth.rotation = True
    people.oauth.token_lifetime = 3600
    install(app, people, GLOBEX)
    people.oauth.token_lifetime = 43_200
    # Each refresh takes a while, so both find the same expiring token before either is refreshed;
    # a refresh token works once, so a second refresh would be refused.
    people.set_delay("oauth.v2.access", 0.5)
    people.clear()
    clients = app.running.runtime.clients
    assert clients is not None
    answers: list[Any] = []
    globex = workspace(app, people, GLOBEX)
    command = threading.Thread(target=lambda: answers.append(globex.command("/action", "list", user=GLORIA)))
    command.start()
    delivery = app.loop.run(clients.client_for(Scope("slack", GLOBEX)))
    command.join(10)

    [refresh] = people.calls_to("oauth.v2.access")
    assert not refresh.failed
    fresh = people.oauth.tokens_of(GLOBEX)[-1]
    assert delivery.token == fresh
    [answer] = answers
    assert "Your open action items" in answer.text  # the command was authorised with the fresh token
    assert not any(call.failed for call in people.calls)


# Uninstalls


def test_uninstall_deletes_the_tokens_and_keeps_the_data_by_default(app: AppUnderTest, people: SlackStandIn) -> None:
    install(app, people, GLOBEX)
    install(app, people, INITECH)
    globex = workspace(app, people, GLOBEX)
    capture(globex, f"Globex renewal <@{GLORIA}|gloria> by 2026-11-27", user=GLORIA)
    assert globex.command("/session", MONTHLY, user=GLORIA).response_type == "in_channel"

    people.oauth.revoke(GLOBEX)
    assert signed_event(app, people, {"type": "app_uninstalled"}, team_id=GLOBEX).status_code == 200
    assert [row["team_id"] for row in installations(app)] == [INITECH]
    assert titles(app, GLOBEX) == ["Globex renewal"]  # TANTO_ON_UNINSTALL=keep

    # Nothing more goes to Globex: its agenda is given up, not retried against a dead token.
    people.clear()
    app.clock.set(AGENDA_TIME)
    app.tick()
    assert people.calls_to("chat.postMessage") == []
    assert "agenda" in _given_up(app) and _retrying(app) == []
    refused = globex.command("/action", "list", user=GLORIA)
    assert "not installed in this workspace" in refused.text

    # Installed again, everything is where it was.
    install(app, people, GLOBEX)
    assert "Globex renewal" in globex.command("/action", "list all", user=GLORIA).text


def test_uninstall_purges_the_workspaces_data_when_asked_to(launch: Launch, people: SlackStandIn) -> None:
    app = launch(TANTO_ON_UNINSTALL="purge")
    install(app, people, GLOBEX)
    install(app, people, INITECH)
    globex, initech = workspace(app, people, GLOBEX), workspace(app, people, INITECH)
    capture(globex, f"Globex renewal <@{GLORIA}|gloria> by 2026-11-27", user=GLORIA)
    assert globex.command("/session", MONTHLY, user=GLORIA).response_type == "in_channel"
    capture(initech, f"Initech pilot <@{IVAN}|ivan> by 2026-12-11", user=IVAN)

    assert signed_event(app, people, {"type": "app_uninstalled"}, team_id=GLOBEX).status_code == 200
    assert [row["team_id"] for row in installations(app)] == [INITECH]
    assert titles(app, GLOBEX) == [] and ("", GLOBEX) not in workspaces(app)
    assert _rows_of(app, GLOBEX) == {}  # sessions, people, outbox, history: nothing left
    assert titles(app, INITECH) == ["Initech pilot"]  # the other workspace is untouched

    # A reinstall starts afresh.
    install(app, people, GLOBEX)
    assert "A-1" in globex.command("/action", f"First again <@{GLORIA}|gloria> by 2026-12-10", user=GLORIA).text


def test_a_revoked_bot_token_deletes_the_installation_and_keeps_the_data(
    app: AppUnderTest, people: SlackStandIn
) -> None:
    install(app, people, GLOBEX)
    globex = workspace(app, people, GLOBEX)
    capture(globex, f"Globex renewal <@{GLORIA}|gloria> by 2026-12-10", user=GLORIA)

    user_tokens_only = {"type": "tokens_revoked", "tokens": {"oauth": [GLORIA]}}
    signed_event(app, people, user_tokens_only, team_id=GLOBEX)
    assert len(installations(app)) == 1  # Tanto holds no user tokens: nothing of its own was revoked

    people.oauth.revoke(GLOBEX)
    signed_event(app, people, {"type": "tokens_revoked", "tokens": {"bot": [BOT_USER_ID]}}, team_id=GLOBEX)
    assert installations(app) == []
    assert titles(app, GLOBEX) == ["Globex renewal"]
    assert "not installed in this workspace" in globex.command("/action", "list", user=GLORIA).text


# Enterprise Grid


def test_an_org_wide_install_serves_every_workspace_of_the_organisation_apart(
    app: AppUnderTest, people: SlackStandIn
) -> None:
    token = install(app, people, None, enterprise_id=GRID)
    [stored] = installations(app)
    assert (stored["enterprise_id"], stored["team_id"], stored["is_enterprise_install"]) == (GRID, None, True)
    people.clear()

    sales = grid_command(app, people, GRID_SALES, f"Umbrella renewal <@{SAM}|sam> by 2026-12-10", user=SAM)
    legal = grid_command(app, people, GRID_LEGAL, f"Review the MSA <@{LEA}|lea> by 2026-12-11", user=LEA)
    assert "A-1" in _text(sales) and "A-1" in _text(legal)  # each workspace counts its own
    assert titles(app, GRID_SALES, GRID) == ["Umbrella renewal"]
    assert titles(app, GRID_LEGAL, GRID) == ["Review the MSA"]
    assert {(GRID, GRID_SALES), (GRID, GRID_LEGAL)} <= workspaces(app)
    listed = _text(grid_command(app, people, GRID_LEGAL, "list all", user=LEA))
    assert "Review the MSA" in listed and "Umbrella" not in listed
    assert set(tokens_used(people, "users.info")) == {token}  # one token for the whole organisation

    # Deliveries outside a request find the organisation's token too, and name the workspace.
    for team, user in ((GRID_SALES, SAM), (GRID_LEGAL, LEA)):
        grid_command(app, people, team, MONTHLY, user=user, command="/session",
                     channel=f"C0{team}")  # fmt: skip
        grid_command(app, people, team, "agenda", user=user, command="/session", channel=f"C0{team}")
    posted = {
        (call.args["channel"], call.args.get("team_id"), call.token) for call in people.calls_to("chat.postMessage")
    }
    assert posted == {(f"C0{GRID_SALES}", GRID_SALES, token), (f"C0{GRID_LEGAL}", GRID_LEGAL, token)}


def test_an_org_wide_event_is_scoped_to_the_workspace_it_happened_in(app: AppUnderTest, people: SlackStandIn) -> None:
    token = install(app, people, None, enterprise_id=GRID)
    grid_command(app, people, GRID_LEGAL, f"Review the MSA <@{LEA}|lea> by 2026-12-11", user=LEA)
    people.clear()
    home = {"type": "app_home_opened", "user": LEA, "channel": "D0LEA", "tab": "home"}
    assert signed_event(app, people, home, team_id=GRID_LEGAL, enterprise_id=GRID, org_wide=True).status_code == 200
    [published] = people.calls_to("views.publish")
    assert published.token == token and "Review the MSA" in json.dumps(published.args["view"])
    assert ("", GRID_LEGAL) not in workspaces(app)  # not a workspace of its own outside the organisation


def test_a_workspace_installed_by_itself_inside_an_organisation_is_kept_apart(
    app: AppUnderTest, people: SlackStandIn
) -> None:
    token = install(app, people, GRID_SALES, enterprise_id=GRID)
    reply = grid_command(app, people, GRID_SALES, f"Umbrella renewal <@{SAM}|sam> by 2026-12-10", user=SAM,
                         org_wide=False)  # fmt: skip
    assert "A-1" in _text(reply)
    assert titles(app, GRID_SALES, GRID) == ["Umbrella renewal"] and titles(app, GRID_SALES) == []
    assert set(tokens_used(people, "users.info")) == {token}
    # Another workspace of the organisation has no installation of its own.
    refused = grid_command(app, people, GRID_LEGAL, "list", user=LEA, org_wide=False)
    assert "not installed in this workspace" in _text(refused)


def test_an_org_wide_uninstall_purges_every_workspace_of_the_organisation(launch: Launch, people: SlackStandIn) -> None:
    app = launch(TANTO_ON_UNINSTALL="purge")
    install(app, people, None, enterprise_id=GRID)
    install(app, people, GLOBEX)
    grid_command(app, people, GRID_SALES, f"Umbrella renewal <@{SAM}|sam> by 2026-12-10", user=SAM)
    grid_command(app, people, GRID_LEGAL, f"Review the MSA <@{LEA}|lea> by 2026-12-11", user=LEA)
    capture(workspace(app, people, GLOBEX), f"Globex renewal <@{GLORIA}|gloria> by 2026-12-10", user=GLORIA)

    event = {"type": "app_uninstalled"}
    assert signed_event(app, people, event, team_id=GRID_SALES, enterprise_id=GRID, org_wide=True).status_code == 200
    assert [row["team_id"] for row in installations(app)] == [GLOBEX]
    assert titles(app, GRID_SALES, GRID) == [] and titles(app, GRID_LEGAL, GRID) == []
    assert workspaces(app) == {("", GLOBEX)}


def test_a_workspace_leaving_an_org_wide_install_loses_only_its_own_data(launch: Launch, people: SlackStandIn) -> None:
    app = launch(TANTO_ON_UNINSTALL="purge")
    token = install(app, people, None, enterprise_id=GRID)
    grid_command(app, people, GRID_SALES, f"Umbrella renewal <@{SAM}|sam> by 2026-12-10", user=SAM)
    grid_command(app, people, GRID_LEGAL, f"Review the MSA <@{LEA}|lea> by 2026-12-11", user=LEA)

    revoked = {"type": "team_access_revoked", "team_ids": [GRID_LEGAL]}
    assert signed_event(app, people, revoked, team_id=GRID_SALES, enterprise_id=GRID, org_wide=True).status_code == 200
    assert titles(app, GRID_LEGAL, GRID) == [] and titles(app, GRID_SALES, GRID) == ["Umbrella renewal"]
    assert [row["bot_token"] for row in installations(app)] == [token]  # the organisation's token still serves
    people.clear()
    assert "Umbrella renewal" in _text(grid_command(app, people, GRID_SALES, "list all", user=SAM))


# Configuration

OAUTH_ENV = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": "s"}


def test_oauth_settings_come_from_the_environment_and_the_manifest() -> None:
    settings = Settings.from_env({**OAUTH_ENV, "TANTO_PUBLIC_URL": "https://tanto.example.com/"})
    assert settings.bot_token is None and settings.oauth is not None
    assert settings.oauth.redirect_uri == "https://tanto.example.com/slack/oauth_redirect"
    assert "commands" in settings.oauth.scopes and "chat:write" in settings.oauth.scopes  # manifest.yml's
    assert settings.on_uninstall.value == "keep"
    chosen = Settings.from_env({**OAUTH_ENV, "SLACK_SCOPES": "commands, chat:write", "TANTO_ON_UNINSTALL": "PURGE"})
    assert chosen.oauth is not None and chosen.oauth.scopes == ("commands", "chat:write")
    assert chosen.oauth.redirect_uri is None and chosen.on_uninstall.value == "purge"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**OAUTH_ENV, "SLACK_BOT_TOKEN": "xoxb-1"}, "are both set"),
        ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET is not set"),
        ({**OAUTH_ENV, "TANTO_ON_UNINSTALL": "archive"}, "TANTO_ON_UNINSTALL must be keep"),
        ({**OAUTH_ENV, "TANTO_PUBLIC_URL": "tanto.example.com"}, "TANTO_PUBLIC_URL must be"),
        ({"SLACK_SIGNING_SECRET": "s"}, "or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
    ],
)
def test_oauth_settings_that_cannot_work_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


# Single-workspace mode


def test_with_one_bot_token_there_is_nothing_to_install(
    standin: SlackStandIn, database_url: str, clock: ManualClock
) -> None:
    loop = LoopThread()
    running = loop.run(start(replace(settings_for(standin, database_url), port=0), clock=clock, host="127.0.0.1",
                             ticks=False))  # fmt: skip
    try:
        assert httpx.get(running.url + "/slack/install").status_code == 404
        assert httpx.get(running.url + "/slack/oauth_redirect?code=x&state=y").status_code == 404
        assert running.runtime.clients is not None
        client = loop.run(running.runtime.clients.client_for(Scope("slack", "T0001")))
        assert client.token == standin.token
    finally:
        loop.run(running.stop())
        loop.close()


# Helpers


def _minutes_ago(minutes: int) -> datetime:
    # The state store keeps naive UTC.
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(tzinfo=None)


def _outbox_key(call: Any) -> str:
    return str(((call.args.get("metadata") or {}).get("event_payload") or {}).get("key", ""))


def _given_up(app: AppUnderTest) -> list[str]:
    with app.running.store.engine.connect() as connection:
        rows = connection.execute(text("SELECT kind FROM outbox WHERE gave_up_at IS NOT NULL ORDER BY id")).scalars()
        return list(rows)


def _retrying(app: AppUnderTest) -> list[str]:
    """Rows tried and waiting to be tried again."""
    query = text("SELECT kind FROM outbox WHERE attempts > 0 AND sent_at IS NULL AND gave_up_at IS NULL")
    with app.running.store.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _rows_of(app: AppUnderTest, team_id: str) -> dict[str, int]:
    """Rows still stored for a workspace, by table (only the tables that have any)."""
    found: dict[str, int] = {}
    with app.running.store.engine.connect() as connection:
        for table in ("action_item", "session", "person", "outbox", "item_change", "channel", "nudge"):
            joined = f"{table} t JOIN workspace w ON w.id = t.workspace_id"
            query = text(f"SELECT count(*) FROM {joined} WHERE w.team_id = :team")
            count = connection.execute(query, {"team": team_id}).scalar_one()
            if count:
                found[table] = count
        inbox = connection.execute(text("SELECT count(*) FROM inbox WHERE team_id = :team"), {"team": team_id})
        if count := inbox.scalar_one():
            found["inbox"] = count
    return found


def _text(answer: dict[str, Any]) -> str:
    return f"{answer.get('text') or ''}\n{blocks_text(answer.get('blocks'))}"
