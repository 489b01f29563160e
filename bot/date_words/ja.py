"""Japanese date words. Japanese puts `まで` (by) after the date and writes no spaces, so the
rules here allow optional whitespace only where people actually type it."""

from bot.date_words import Rule, Vocabulary

_WEEKDAY_NAMES = ("月", "火", "水", "木", "金", "土", "日")
_WEEKDAYS = {name + "曜日": number for number, name in enumerate(_WEEKDAY_NAMES)}
_WEEKDAYS.update({name + "曜": number for number, name in enumerate(_WEEKDAY_NAMES)})
_KANJI_NUMBERS = {name: number for number, name in enumerate("一二三四五六七八九十", start=1)}
_NO = r"\s*(?:の\s*)?"  # 来週の金曜日

VOCABULARY = Vocabulary(
    code="ja",
    weekdays=_WEEKDAYS,
    numbers=_KANJI_NUMBERS,
    intro_after=("まで", "までに", "迄", "迄に", "が期限", "期限", "締切", "締め切り", "〆切"),
    rules=(
        Rule("offset:0", r"(?:今日|本日|きょう|今日中|本日中)"),
        Rule("offset:1", r"(?:明日|あした|あす|明日中)"),
        Rule("offset:2", r"(?:明後日|あさって)"),
        Rule("weekday:coming", r"(?:(?:今度|次)の\s*|この\s*)?{weekday}"),
        Rule("weekday:next", r"来週" + _NO + "{weekday}"),
        Rule("weekday:this", r"今週" + _NO + "{weekday}"),
        Rule("weekday:after_next", r"再来週" + _NO + "{weekday}"),
        Rule("in:day", r"{n}\s*日(?:後|以内)"),
        Rule("in:week", r"{n}\s*週間(?:後|以内)"),
        Rule("in:month", r"{n}\s*(?:ヶ|か|カ|ケ|ヵ|箇)月(?:後|以内)"),
        Rule("in:bday", r"{n}\s*営業日(?:後|以内)?"),
        Rule("week_end:0", r"(?:今週末|今週中|週末|今週)"),
        Rule("week_end:1", r"(?:来週末|来週中|来週)"),
        Rule("month_end:0", r"(?:今月末|月末|今月中|今月いっぱい)"),
        Rule("month_end:1", r"(?:来月末|来月中|来月)"),
        Rule("year_end", r"(?:年内|今年中|年末|今年いっぱい)"),
        Rule("week_no", r"第\s*{wn}\s*週"),
        Rule("month_day", r"(?:{year}\s*年\s*)?{month}\s*月\s*{day}\s*日"),
        Rule("day_only", r"{day}\s*日(?!後|間|以内|前)", needs_intro=True),
    ),
)
