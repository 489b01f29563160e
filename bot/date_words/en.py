"""English date words."""

from bot.date_words import Rule, Vocabulary

_MONTH_NAMES = ("january february march april may june july august september october november december").split()
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({name[:3]: number for name, number in _MONTHS.items()})
_MONTHS.update({"sept": 9, "jan.": 1, "feb.": 2, "mar.": 3, "apr.": 4, "jun.": 6, "jul.": 7, "aug.": 8})
_MONTHS.update({"sep.": 9, "sept.": 9, "oct.": 10, "nov.": 11, "dec.": 12})

_ORDINAL = r"(?:st|nd|rd|th)?"

VOCABULARY = Vocabulary(
    code="en",
    months=_MONTHS,
    weekdays={
        "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
        # Short forms: only when introduced (`by Sat`), see the rules below.
        "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
    },  # fmt: skip
    numbers={
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
        "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3,
    },  # fmt: skip
    units={
        "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
        "month": "month", "months": "month", "business day": "bday", "business days": "bday",
        "working day": "bday", "working days": "bday", "workday": "bday", "workdays": "bday",
        "work day": "bday", "work days": "bday",
    },  # fmt: skip
    intro_before=(
        "by", "due", "due by", "due on", "due date", "deadline", "until", "till", "til", "before", "on",
        "no later than", "not later than", "at the latest by", "latest by",
    ),  # fmt: skip
    rules=(
        Rule("offset:0", r"(?:today|tonight|eod|end of (?:the )?day|cob|close of business)"),
        Rule("offset:1", r"(?:tomorrow|tmrw|tmr)"),
        Rule("offset:2", r"(?:the )?day after tomorrow"),
        Rule("weekday:coming", r"(?:this (?:coming )?|coming )?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"),
        Rule("weekday:coming", r"(?:this (?:coming )?|coming )?(?P<weekday>mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?", needs_intro=True),
        Rule("weekday:next", r"next {weekday}"),
        Rule("weekday:next", r"{weekday},? (?:of )?next week"),
        Rule("weekday:next", r"next week'?s? {weekday}"),
        Rule("weekday:this", r"{weekday},? this week"),
        Rule("weekday:after_next", r"{weekday} (?:of )?the week after next"),
        Rule("in", r"(?:in|within) {n} {unit}"),
        Rule("in", r"{n} {unit} from (?:now|today)"),
        Rule("in:bday", r"{n} (?:business|working|work) ?days?"),
        Rule("week_end:0", r"(?:(?:the )?end of (?:the |this )?week|eow|this week)"),
        Rule("week_end:1", r"(?:(?:the )?end of next week|next week)"),
        Rule("month_end:0", r"(?:(?:the )?end of (?:the |this )?month|eom|this month|month[- ]end)"),
        Rule("month_end:1", r"(?:(?:the )?end of next month|next month)"),
        Rule("year_end", r"(?:(?:the )?end of (?:the |this )?year|eoy|this year|year[- ]end|within the year)"),
        Rule("week_no", r"(?:week|wk\.?|cw) ?{wn}"),
        Rule("month_day", r"{month} {day}" + _ORDINAL + r"(?:,? {year})?"),
        Rule("month_day", r"(?:the )?{day}" + _ORDINAL + r" (?:of )?{month}(?:,? {year})?"),
        Rule("day_only", r"(?:the )?{day}(?:st|nd|rd|th)", needs_intro=True),
    ),
)
