"""The words people use for dates, one module per language.

Each language module lists its vocabulary (months, weekdays, number words, units) and its
phrase rules: regular-expression templates over lower-cased text in which `{weekday}`,
`{month}`, `{n}`, `{unit}`, `{day}`, `{year}` and `{wn}` stand for named groups built from
that vocabulary, and a space stands for any run of whitespace. `bot.dates` compiles them and
decides what each rule's match means; nothing here computes a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """One way of writing a date: `kind` says how to read it (see `bot.dates`)."""

    kind: str
    template: str
    # True for phrases too ordinary to be a date unless introduced (`by the 15th`, `by Sat`).
    needs_intro: bool = False


@dataclass(frozen=True)
class Vocabulary:
    code: str
    months: dict[str, int] = field(default_factory=dict)
    weekdays: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # word -> day | week | month | bday
    intro_before: tuple[str, ...] = ()  # `by`, `uiterlijk`, `senast`, `en geç`
    intro_after: tuple[str, ...] = ()  # `まで`, Turkish `kadar`
    rules: tuple[Rule, ...] = ()
