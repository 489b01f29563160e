"""Turkish date words. Turkish adds case endings to the date itself (`cumaya kadar`,
`1 Aralık'a kadar`): those endings are read by `bot.dates` as part of the introducing `kadar`."""

from bot.date_words import Rule, Vocabulary

_MONTH_NAMES = [
    "ocak",
    "şubat",
    "mart",
    "nisan",
    "mayıs",
    "haziran",
    "temmuz",
    "ağustos",
    "eylül",
    "ekim",
    "kasım",
    "aralık",
]
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({"oca": 1, "şub": 2, "nis": 4, "haz": 6, "tem": 7, "ağu": 8, "eyl": 9, "eki": 10, "kas": 11})

_DAYS = ("pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar")
_DAY_WORD = r"(?: günü)?"

VOCABULARY = Vocabulary(
    code="tr",
    months=_MONTHS,
    weekdays={name: number for number, name in enumerate(_DAYS)},
    numbers={
        "bir": 1,
        "iki": 2,
        "üç": 3,
        "dört": 4,
        "beş": 5,
        "altı": 6,
        "yedi": 7,
        "sekiz": 8,
        "dokuz": 9,
        "on": 10,
    },
    units={"gün": "day", "hafta": "week", "ay": "month", "iş günü": "bday"},
    intro_before=("en geç", "son tarih", "en son"),
    rules=(
        Rule("offset:0", r"bugün"),
        Rule("offset:1", r"yarın"),
        Rule("offset:2", r"(?:öbür gün|öbürsü gün|yarından sonra)"),
        Rule("weekday:coming", r"(?:bu |önümüzdeki |gelecek )?{weekday}" + _DAY_WORD),
        Rule("weekday:next", r"(?:haftaya|gelecek hafta|önümüzdeki hafta|seneye) {weekday}" + _DAY_WORD),
        Rule("weekday:this", r"bu hafta {weekday}" + _DAY_WORD),
        Rule("in", r"{n} {unit} (?:sonra|içinde|içerisinde)"),
        Rule("in:bday", r"{n} iş günü(?: (?:sonra|içinde|içerisinde))?"),
        Rule("week_end:0", r"(?:bu hafta(?:nın sonu| sonu| içinde)?|hafta içinde)"),
        Rule("week_end:1", r"(?:(?:gelecek|önümüzdeki) hafta(?:nın sonu| sonu| içinde)?|haftaya)"),
        Rule("month_end:0", r"(?:bu ay(?:ın sonu| sonu| içinde)?|ay sonu|ayın sonu|ay içinde)"),
        Rule("month_end:1", r"(?:(?:gelecek|önümüzdeki) ay(?:ın sonu| sonu| içinde)?)"),
        Rule(
            "year_end", r"(?:(?:bu )?yıl(?:ın)? sonu|bu yıl(?: içinde)?|yıl içinde|(?:bu )?sene(?:nin)? sonu|bu sene)"
        ),
        Rule("week_no", r"{wn}\. hafta"),
        Rule("week_no", r"hafta {wn}"),
        Rule("month_day", r"{day} {month}(?: {year})?"),
    ),
)
