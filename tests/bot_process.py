"""A real `tanto run` in a child process, for tests that kill the bot mid-work and start it again.

The in-process `app` fixture cannot crash: its event loop, connections and background tasks die
politely with the test. A child process can be SIGKILLed between posting a message and
recording it, which is what exactly-once delivery has to survive.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
LOG_TAIL_CHARS = 4000
# Settings the bot reads; inherited values (a developer's SLACK_APP_TOKEN switching to Socket
# Mode, a real DATABASE_URL) must not leak into a test's bot.
_BOT_SETTINGS_PREFIXES = ("SLACK_", "DATABASE_URL", "PORT")


class BotProcess:
    """`tanto run` against the given Slack API and database, logging to `log_path`.

    start() may be called again after kill() or stop(): a new process on a new port, the same
    database and the same log (appended), as a restarted deployment would be.
    """

    def __init__(
        self,
        *,
        database_url: str,
        api_url: str,
        signing_secret: str,
        bot_token: str,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.log_path = Path(log_path)
        # Longer for benchmarks: on SQLite, /healthz waits behind a long first planning pass.
        self.start_timeout = start_timeout
        self._env = {
            "SLACK_BOT_TOKEN": bot_token,
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the bot was never started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> BotProcess:
        """Launch the bot and return once /healthz answers 200 (its database is open, it is serving)."""
        if self.running:
            raise RuntimeError("the bot is already running")
        self._port = _free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith(_BOT_SETTINGS_PREFIXES)}
        env.update(self._env)
        env.update({"PORT": str(self._port), "PYTHONUNBUFFERED": "1"})
        command = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run"]
        with self.log_path.open("ab") as log:
            log.write(f"--- tanto run on port {self._port} ---\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_healthy()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a host dies or the OOM killer strikes."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(STOP_TIMEOUT)

    def stop(self) -> int | None:
        """SIGTERM, as a deployment stops the bot; its exit code (None if it never ran)."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError(f"the bot ignored SIGTERM for {STOP_TIMEOUT}s:\n{self._log_tail()}") from None
        return self._process.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> BotProcess:
        return self if self.running else self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(
                        f"tanto run exited with {self._process.returncode} before serving:\n{self._log_tail()}"
                    )
                try:
                    if client.get(self.url + "/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass  # not listening yet
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"tanto run did not answer /healthz within {self.start_timeout}s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log_text()[-LOG_TAIL_CHARS:]


def _free_port() -> int:
    """A port free right now; the bot binds it a moment later (a race tests can live with)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
