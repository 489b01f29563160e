"""Due-date reading speed: every phrase of the test corpus, and whole `/action` sentences.

    .venv/bin/python bench/dates_bench.py [--rounds 20]

Prints the median and p99 time per phrase for `parse_due` and `find_due`, and the cost of the
first call in a fresh interpreter (import and compiling the grammar included), so a regression
shows as a figure rather than a failing test on a noisy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bot.dates import DueDateError, find_due, parse_due

ROOT = Path(__file__).resolve().parent.parent

CORPUS = ROOT / "tests" / "dates"
FIRST_CALL = """
import time
started = time.perf_counter()
from datetime import date
from bot.dates import find_due
imported = time.perf_counter()
find_due("見積書を再提出する <@U1|tanaka> 来週金曜日まで", today=date(2026, 11, 23))
done = time.perf_counter()
print(f"{(imported - started) * 1000:.1f} {(done - imported) * 1000:.2f}")
"""


def rows(*, sentences: bool) -> list[list[str]]:
    found = []
    for path in sorted(CORPUS.glob("*.tsv")):
        if (path.stem == "sentences") != sentences:
            continue
        with path.open(encoding="utf-8") as lines:
            found += [row for row in csv.reader(lines, delimiter="\t") if row and not row[0].startswith("#")]
    return found


def timings(calls: list[tuple], rounds: int) -> list[float]:
    per_call = []
    for _ in range(rounds):
        for function, text, today, locale in calls:
            started = time.perf_counter()
            with contextlib.suppress(DueDateError):
                function(text, today=today, locale=locale)
            per_call.append((time.perf_counter() - started) * 1e6)
    return per_call


def report(label: str, micros: list[float]) -> None:
    ordered = sorted(micros)
    p99 = ordered[int(len(ordered) * 0.99)]
    print(f"{label:<34} median {statistics.median(ordered):7.1f} µs   p99 {p99:7.1f} µs   max {ordered[-1]:8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    phrases = [
        (parse_due, phrase, date.fromisoformat(today), locale or None)
        for today, locale, phrase, _ in rows(sentences=False)
    ]
    sentences = [
        (find_due, sentence, date.fromisoformat(today), locale or None)
        for today, locale, sentence, *_ in rows(sentences=True)
    ]
    print(f"{len(phrases)} phrases, {len(sentences)} sentences, {rounds} rounds")
    report("parse_due (a phrase)", timings(phrases, rounds))
    report("find_due (a whole /action sentence)", timings(sentences, rounds))
    firsts = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", FIRST_CALL], cwd=ROOT, capture_output=True, text=True, check=True)
        firsts.append(tuple(map(float, out.stdout.split())))
    print(
        f"fresh interpreter: import {statistics.median(f[0] for f in firsts):.1f} ms (median of 5), "
        f"first find_due {statistics.median(f[1] for f in firsts):.2f} ms"
    )


if __name__ == "__main__":
    main()
