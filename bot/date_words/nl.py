"""Dutch date words."""

from bot.date_words import Rule, Vocabulary

_MONTH_NAMES = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({"jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9})
_MONTHS.update({"okt": 10, "nov": 11, "dec": 12})

_WEEKDAY = r"(?P<weekday>maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)"

VOCABULARY = Vocabulary(
    code="nl",
    months=_MONTHS,
    weekdays={
        "maandag": 0,
        "dinsdag": 1,
        "woensdag": 2,
        "donderdag": 3,
        "vrijdag": 4,
        "zaterdag": 5,
        "zondag": 6,
    },
    numbers={
        "een": 1,
        "één": 1,
        "twee": 2,
        "drie": 3,
        "vier": 4,
        "vijf": 5,
        "zes": 6,
        "zeven": 7,
        "acht": 8,
        "negen": 9,
        "tien": 10,
    },
    units={
        "dag": "day",
        "dagen": "day",
        "week": "week",
        "weken": "week",
        "maand": "month",
        "maanden": "month",
        "werkdag": "bday",
        "werkdagen": "bday",
    },
    intro_before=("uiterlijk", "uiterlijk op", "voor", "vóór", "tot", "tot en met", "t/m", "op", "ten laatste"),
    rules=(
        Rule("offset:0", r"(?:vandaag|vanavond)"),
        Rule("offset:1", r"morgen"),
        Rule("offset:2", r"overmorgen"),
        Rule("weekday:coming", r"(?:deze |aanstaande |a\.s\. |komende )?" + _WEEKDAY),
        Rule("weekday:next", r"volgende (?:week )?{weekday}"),
        Rule("weekday:next", r"{weekday} volgende week"),
        Rule("weekday:this", r"deze week {weekday}"),
        Rule("weekday:this", r"{weekday} deze week"),
        Rule("in", r"(?:over|binnen) {n} {unit}"),
        Rule("in:bday", r"{n} werkdag(?:en)?"),
        Rule("week_end:0", r"(?:eind(?:e)? (?:van )?(?:de |deze )?week|deze week)"),
        Rule("week_end:1", r"(?:eind(?:e)? (?:van )?volgende week|volgende week)"),
        Rule("month_end:0", r"(?:eind(?:e)? (?:van )?(?:de |deze )?maand|deze maand)"),
        Rule("month_end:1", r"(?:eind(?:e)? (?:van )?volgende maand|volgende maand)"),
        Rule("year_end", r"(?:eind(?:e)? (?:van )?(?:het |dit )?jaar|dit jaar|jaareinde)"),
        Rule("week_no", r"(?:week|wk\.?) ?{wn}"),
        Rule("month_day", r"{day} {month}(?: {year})?"),
    ),
)
