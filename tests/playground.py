"""The Microsoft 365 Agents Playground (a Teams client simulator) as a test peer.

It runs offline with a mock tenant (`npm ci --prefix teams/playground` installs the pinned
version). Its web UI's own local API is used here: messages and card actions go in over HTTP,
and the bot's messages come back as frames on a WebSocket (the only way to read them).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).parent.parent
CLI = ROOT / "teams" / "playground" / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def missing() -> str | None:
    """Why the Playground cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed: the Agents Playground runs on it"
    if not CLI.exists():
        return "the Agents Playground is not installed: `npm ci --prefix teams/playground`"
    return None


class Playground:
    def __init__(self, bot_endpoint: str, *, zone: str = "Asia/Tokyo") -> None:
        self.bot_endpoint = bot_endpoint
        self.zone = zone
        self.workdir = Path(tempfile.mkdtemp(prefix="playground-"))  # it writes ./devTools/ there
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.config: dict[str, Any] = {}
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._http: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Playground:
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "TEAMSAPPTESTER_LOGFILE": str(self.workdir / "playground.log"),
            "TZ": self.zone,  # the zone the simulated client reports to the bot
        }
        # A port taken meanwhile makes it pick another, which it prints: the printed one is used.
        port = str(free_port())
        command = ["node", str(CLI), "-e", self.bot_endpoint, "-c", "msteams", "-p", port, "--disable-telemetry"]
        self.process = subprocess.Popen(
            command, cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.port = await asyncio.to_thread(self._listening_port)
        self._http = aiohttp.ClientSession(f"http://127.0.0.1:{self.port}")
        deadline = time.monotonic() + START_TIMEOUT
        while not await self._pong():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Playground did not start:\n{self.log()[-2000:]}")
            await asyncio.sleep(0.05)
        async with self._http.get("/_internal/v1/testConfig") as answer:
            self.config = (await answer.json())["config"]
        self._socket = await self._http.ws_connect("/_ws_conversation/v1/conversations/stream")
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        # Stopped before the socket closes: a bot post meeting a closing socket gets a 500.
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._http is not None:
            await self._http.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _listening_port(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:  # not a terminal: it prints only this line
            if found := re.search(r"Listening on (\d+)", line):
                return int(found.group(1))
        raise RuntimeError(f"the Playground exited before listening:\n{self.log()[-2000:]}")

    async def _pong(self) -> bool:
        assert self._http is not None
        try:
            async with self._http.get("/_debug/ping") as answer:
                return await answer.text() == "pong"
        except aiohttp.ClientError:
            return False

    async def _read(self) -> None:
        assert self._socket is not None
        async for frame in self._socket:
            if frame.type == aiohttp.WSMsgType.TEXT:
                await self.frames.put(frame.json())

    def log(self) -> str:
        path = self.workdir / "playground.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # The mock tenant

    @property
    def me(self) -> dict[str, Any]:
        return dict(self.config["currentUser"])

    @property
    def bot(self) -> dict[str, Any]:
        return dict(self.config["bot"])

    @property
    def personal_chat(self) -> str:
        return str(self.config["personalChat"]["id"])

    @property
    def group_chat(self) -> dict[str, Any]:
        return dict(self.config["groupChats"][0])

    def user(self, name: str) -> dict[str, Any]:
        return next(user for user in self.config["users"] if user["name"] == name)

    # What a user does

    async def install(self, conversation_id: str) -> None:
        await self._post(f"/_debug/conversation/{conversation_id}/installation", {})

    async def say(self, conversation_id: str, text: str, *, mentions: tuple[dict[str, Any], ...] = ()) -> None:
        """Send `text` as the current user; write `<at>Name</at>` in it for each of `mentions`."""
        entities = [{"mentioned": {"id": who["id"]}, "text": f"<at>{who['name']}</at>"} for who in mentions]
        body = {"from": {"id": self.me["id"]}, "text": text, "textFormat": "plain", "mentions": entities}
        await self._post(f"/_conversation/v1/conversations/{conversation_id}/messages", body)

    async def click(
        self, conversation_id: str, card_message_id: str, action: dict[str, Any], inputs: dict[str, Any] | None = None,
        *, user: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """An Action.Execute on a card the bot sent; the bot's answer (the card replacing it)."""
        data = {**action.get("data", {}), **(inputs or {})}
        body = {
            "name": "adaptiveCard/action",
            "conversation": {"id": conversation_id},
            "from": {"id": user or self.me["id"]},
            "replyToId": card_message_id,
            "value": {"action": {**action, "data": data}},
        }
        return await self._post("/_conversation/v1/invoke", body)

    async def next_card(self, timeout: float = 15) -> tuple[str, dict[str, Any]]:
        """The next card the bot posted: its message id (to click on it) and its content."""
        while True:
            frame = await asyncio.wait_for(self.frames.get(), timeout)
            if frame.get("action") != "createMessage":
                continue
            message = frame["message"]
            for attachment in message.get("attachments") or []:
                if attachment["contentType"] == "application/vnd.microsoft.card.adaptive":
                    return str(message["messageId"]), attachment["content"]

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.post(path, json=body) as answer:
            text = await answer.text()
            if answer.status >= 400:
                raise AssertionError(f"the Playground answered {answer.status} to {path}: {text}")
            return await answer.json(content_type=None) if text else {}
