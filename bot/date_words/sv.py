"""Swedish date words."""

from bot.date_words import Rule, Vocabulary

_MONTH_NAMES = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9})
_MONTHS.update({"okt": 10, "nov": 11, "dec": 12})

_DAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_WEEKDAYS = {name: number for number, name in enumerate(_DAYS)}
_WEEKDAYS.update({name + "en": number for name, number in list(_WEEKDAYS.items())})  # `fredagen`

VOCABULARY = Vocabulary(
    code="sv",
    months=_MONTHS,
    weekdays=_WEEKDAYS,
    numbers={
        "en": 1,
        "ett": 1,
        "två": 2,
        "tre": 3,
        "fyra": 4,
        "fem": 5,
        "sex": 6,
        "sju": 7,
        "åtta": 8,
        "nio": 9,
        "tio": 10,
    },
    units={
        "dag": "day",
        "dagar": "day",
        "vecka": "week",
        "veckor": "week",
        "månad": "month",
        "månader": "month",
        "arbetsdag": "bday",
        "arbetsdagar": "bday",
        "vardag": "bday",
        "vardagar": "bday",
    },
    intro_before=("senast", "senast på", "innan", "före", "till", "på", "tills"),
    rules=(
        Rule("offset:0", r"(?:i ?dag|i ?kväll)"),
        Rule("offset:1", r"i ?morgon"),
        Rule("offset:2", r"(?:i )?övermorgon"),
        Rule("weekday:coming", r"(?:nu på |på |den här |denna |kommande )?{weekday}"),
        Rule("weekday:next", r"{weekday} nästa vecka"),
        Rule("weekday:next", r"nästa (?:veckas |vecka )?{weekday}"),
        Rule("weekday:this", r"(?:{weekday} (?:denna vecka|den här veckan|i veckan))"),
        Rule("in", r"(?:om|inom) {n} {unit}"),
        Rule("in:bday", r"{n} (?:arbetsdag(?:ar)?|vardag(?:ar)?)"),
        Rule(
            "week_end:0",
            r"(?:(?:i )?slutet (?:av|på) (?:den här |denna )?veckan|veckans slut|denna vecka|den här veckan|i veckan)",
        ),
        Rule("week_end:1", r"(?:(?:i )?slutet (?:av|på) nästa vecka|nästa vecka)"),
        Rule(
            "month_end:0",
            r"(?:(?:i )?slutet (?:av|på) (?:den här |denna )?månaden|månadens slut|månadsskiftet"
            r"|denna månad|den här månaden|i månaden)",
        ),
        Rule("month_end:1", r"(?:(?:i )?slutet (?:av|på) nästa månad|nästa månad)"),
        Rule("year_end", r"(?:(?:i )?slutet (?:av|på) året|årets slut|i år|årsskiftet)"),
        Rule("week_no", r"(?:vecka|v\.?|vt\.?) ?{wn}"),
        Rule("month_day", r"(?:den )?{day}(?::e|:a)? {month}(?: {year})?"),
    ),
)
