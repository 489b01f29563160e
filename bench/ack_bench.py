"""Slash-command acknowledgement latency under load: Tanto against a bare default Bolt app.

    .venv/bin/python bench/ack_bench.py [--requests 4000] [--concurrency 32] [--rate 1000]

Starts the Slack stand-in, then `tanto run` (SQLite in a temporary folder, or $DATABASE_URL) and
the bare Bolt app as separate processes, and sends each the same Slack-signed `/action` requests
(every one a complete item that Tanto stores) over 32 concurrent connections, from a process of
their own. Prints p50/p99 latency and requests per second for both, and their ratios. Each
server gets a warm-up first. Tanto acknowledges once the request is durably in its inbox; the
line below its figures says when the last item was stored and its answer sent.

Without --rate every connection sends its next request as soon as the last is answered (the
servers' saturation); with it, requests arrive at that steady rate.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.slack.standin.server import RESPONSE_URL_METHOD, SlackStandIn  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command(n: int, response_urls: str) -> bytes:
    user = f"U{n % 50:04d}"
    return urllib.parse.urlencode(
        {
            "command": "/action",
            "text": f"Bench item {n} <@{user}|u{n % 50}> by 2031-12-{1 + n % 28:02d} #bench",
            "team_id": "T0001",
            "user_id": user,
            "channel_id": f"C{n % 20:04d}",
            "trigger_id": f"{n}.{time.time_ns()}.bench",
            # Its own, as Slack gives every command: answers to one URL would be paced as one conversation.
            "response_url": f"{response_urls}-{n}",
        }
    ).encode()


async def load(
    url: str, count: int, concurrency: int, response_url: str, offset: int, rate: float | None = None
) -> tuple[list[float], float]:
    """Send `count` requests over `concurrency` connections, each as soon as one is free or, with
    `rate`, at that many per second (a steady arrival of users rather than a flood)."""
    latencies: list[float] = []
    next_index = 0
    began = time.perf_counter()

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            n = offset + index
            next_index += 1
            if rate is not None:
                await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            body = command(n, response_url)
            started = time.perf_counter()
            async with session.post(url, data=body, headers=signed(body)) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url} answered {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def run_load(
    url: str, count: int, concurrency: int, response_url: str, offset: int, rate: float | None = None
) -> tuple[list[float], float]:
    return asyncio.run(load(url, count, concurrency, response_url, offset, rate))


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    import httpx

    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.post(url, content=b"", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(name: str, argv: list[str], port: int, env: dict[str, str], args: argparse.Namespace,
            response_url: str, answered: Callable[[], int] | None = None) -> dict[str, float]:  # fmt: skip
    """Load one server; with `answered` (answers counted at the stand-in), also time how long it
    takes after the first request until every request has been stored and answered."""
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        wait_until_up(url, process)
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as client:
            # The load comes from a process of its own: in this one, the stand-in's threads serve
            # the app's answers, and would slow the client down (one interpreter lock).
            client.submit(run_load, url, args.warmup, args.concurrency, response_url, 10_000_000).result()
            if answered is not None:
                wait_for_answers(answered, args.warmup)
            started = time.perf_counter()
            latencies, elapsed = client.submit(
                run_load, url, args.requests, args.concurrency, response_url, 0, args.rate
            ).result()
        if answered is not None:
            wait_for_answers(answered, args.warmup + args.requests)
            all_answered = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(15)
    result = {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
        "rps": len(latencies) / elapsed,
    }
    print(f"{name:<28} p50 {result['p50']:7.2f} ms   p99 {result['p99']:7.2f} ms   {result['rps']:7.0f} req/s")
    if answered is not None:
        print(f"{'':<28} all {args.requests} stored and answered {all_answered:.2f} s after the first request")
    return result


def wait_for_answers(answered: Callable[[], int], count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while answered() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {answered()} of {count} answers arrived")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, help="requests per second (default: as fast as the connections allow)")
    args = parser.parse_args()
    with SlackStandIn(team_id="T0001", token=TOKEN) as standin, tempfile.TemporaryDirectory() as folder:
        for n in range(50):
            standin.add_user(f"U{n:04d}", name=f"u{n}", tz="Asia/Tokyo")
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db",
            "PORT": "3917",
        }
        env.pop("SLACK_APP_TOKEN", None)
        response_url = standin.new_response_url()
        pace = f"{args.rate:.0f} per second" if args.rate else "each as soon as a connection is free"
        print(f"{args.requests} signed /action requests, {args.concurrency} concurrent connections, {pace}, "
              f"database {env['DATABASE_URL'].split(':')[0]}")  # fmt: skip
        bare = measure("bare Bolt (default settings)", [sys.executable, "bench/bare_bolt.py", "3918"], 3918, env,
                       args, response_url)  # fmt: skip
        tanto = measure("Tanto (stores every item)", [sys.executable, "-m", "bot", "run"], 3917, env, args,
                        response_url, lambda: len(standin.calls_to(RESPONSE_URL_METHOD)))  # fmt: skip
    print(
        f"ratio Tanto/bare: p50 {tanto['p50'] / bare['p50']:.2f}×   p99 {tanto['p99'] / bare['p99']:.2f}×   "
        f"throughput {tanto['rps'] / bare['rps']:.2f}×"
    )


if __name__ == "__main__":
    main()
