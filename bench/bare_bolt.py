"""A bare Bolt app with default settings that only acknowledges `/action`: the baseline.

Run by bench/ack_bench.py as `python bench/bare_bolt.py PORT` with the same environment as Tanto.
"""

from __future__ import annotations

import os
import sys

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

app = AsyncApp(
    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
)


@app.command("/action")
async def action(ack) -> None:  # type: ignore[no-untyped-def]
    await ack()


if __name__ == "__main__":
    app.start(port=int(sys.argv[1]), host="127.0.0.1")
