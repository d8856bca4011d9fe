"""Make ``tests/data/screening_listed.csv``: listed firms written as invoices, customs records and the press write them.

Usage: ``python bench/make_screening_sets.py STORE`` (a store built by ``watchlist seed``). Fixed random seed, so the
file regenerates identically from the same seed data. What each class of variant is, and where the hand-written rows
come from, is in ``tests/data/README.md``. Nothing is invented: every row is a listed firm's name written another way.
"""

from __future__ import annotations

import csv
import random
import re
import sqlite3
import sys
from pathlib import Path

from watchlist.store.normalize import analyze

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "screening_listed.csv"
PER_CLASS = 40

# The firms' own names in Chinese characters and in Russian (as their registrations, websites and the Chinese and
# Russian press write them), each with the listed name it stands for, exactly as the seed's lists spell it.
HAN = [
    ("华为技术有限公司", "HUAWEI TECHNOLOGIES CO., LTD."),
    ("成都华为技术有限公司", "Chengdu Huawei Technologies Co., Ltd., Chengdu, Sichuan"),
    ("杭州海康威视数字技术股份有限公司", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."),
    ("浙江大华技术股份有限公司", "Dahua Technology"),
    ("深圳市大疆创新科技有限公司", "SZ DJI TECHNOLOGY CO., LTD."),
    ("中芯国际集成电路制造有限公司", "SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION"),
    ("科大讯飞股份有限公司", "IFLYTEK"),
    ("北京旷视科技有限公司", "Megvii Technology"),
    ("北京市商汤科技开发有限公司", "Beijing Sensetime Technology Development Co., Ltd."),
    ("浪潮集团有限公司", "INSPUR GROUP CO., LTD."),
    ("曙光信息产业股份有限公司", "DAWNING INFORMATION INDUSTRY CO., LTD"),
    ("海能达通信股份有限公司", "Hytera Communications Limited"),
    ("保利科技有限公司", "Poly Technologies Inc."),
    ("中国北方工业集团有限公司", "CHINA NORTH INDUSTRIES GROUP CORPORATION LIMITED"),
    ("中国电子科技集团有限公司", "CHINA ELECTRONICS TECHNOLOGY GROUP CORPORATION"),
    ("中国航空工业集团有限公司", "AVIATION INDUSTRY CORPORATION OF CHINA, LTD."),
    ("中国航天科工集团有限公司", "CHINA AEROSPACE SCIENCE AND INDUSTRY CORPORATION LIMITED"),
    ("中国航天科技集团有限公司", "CHINA AEROSPACE SCIENCE AND TECHNOLOGY CORPORATION"),
    ("哈尔滨工业大学", "Harbin Institute of Technology"),
    ("西北工业大学", "Northwestern Polytechnical University"),
    ("北京理工大学", "Beijing Institute of Technology"),
    ("南京航空航天大学", "Nanjing University of Aeronautics and Astronautics"),
    ("北京航空航天大学", "Beijing University of Aeronautics and Astronautics (BUAA)"),
    ("南京理工大学", "Nanjing University of Science and Technology"),
    ("哈尔滨工程大学", "Harbin Engineering University"),
    ("四川大学", "Sichuan University"),
    ("国防科技大学", "National University of Defense Technology (NUDT)"),
    ("中国工程物理研究院", "Chinese Academy of Engineering Physics"),
    ("长江存储科技有限责任公司", "Yangtze Memory Technologies Co., Ltd."),
    ("天津飞腾信息技术有限公司", "Tianjin Phytium Information Technology"),
    ("上海微电子装备（集团）股份有限公司", "Shanghai Micro Electronics Equipment (Group) Co., Ltd."),
    ("中国船舶重工股份有限公司", "CHINA SHIPBUILDING INDUSTRY COMPANY LIMITED"),
    ("中国核工业建设股份有限公司", "CHINA NUCLEAR ENGINEERING CORPORATION LIMITED"),
    ("中国广核集团有限公司", "CHINA GENERAL NUCLEAR POWER CORPORATION"),
    ("中国移动有限公司", "CHINA MOBILE LIMITED"),
    ("中国电信集团有限公司", "CHINA TELECOMMUNICATIONS CORPORATION"),
    ("中国电信股份有限公司", "CHINA TELECOM CORPORATION LIMITED"),
    ("中国联合网络通信集团有限公司", "CHINA UNITED NETWORK COMMUNICATIONS GROUP CO., LTD."),
    ("中国海洋石油集团有限公司", "CHINA NATIONAL OFFSHORE OIL CORPORATION"),
    ("中国铁建股份有限公司", "CHINA RAILWAY CONSTRUCTION CORPORATION LIMITED"),
    ("中国交通建设股份有限公司", "CHINA COMMUNICATIONS CONSTRUCTION COMPANY LIMITED"),
    ("中国航空发动机集团有限公司", "AERO ENGINE CORPORATION OF CHINA"),
    ("中国兵器装备集团有限公司", "CHINA SOUTH INDUSTRIES GROUP CORPORATION"),
    ("中国电子信息产业集团有限公司", "CHINA ELECTRONICS CORPORATION"),
    ("珠海振戎公司", "ZHUHAI ZHENRONG COMPANY LIMITED"),
    ("中国电子科技集团公司第十三研究所", "China Electronics Technology Group Corporation 13th Research Institute"),
    ("株洲中车特种装备科技有限公司", "Zhuzhou CRRC Special Equipment Technology Co."),
    ("中国海洋石油有限公司", "CNOOC Limited"),
]
CYRILLIC = [
    ("ПАО Сбербанк России", "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA"),
    ("Государственная корпорация Ростех", "STATE CORPORATION ROSTEC"),
    ("АО Концерн ВКО Алмаз-Антей", "JOINT STOCK COMPANY AEROSPACE DEFENSE CONCERN ALMAZ-ANTEY"),
    ("АО Концерн Калашников", "JOINT STOCK COMPANY CONCERN KALASHNIKOV"),
    ("Уралвагонзавод", "URALVAGONZAVOD"),
    ("АО Корпорация Тактическое ракетное вооружение", "TACTICAL MISSILES CORPORATION JSC"),
    ("ПАО Ростелеком", "PUBLIC JOINT STOCK COMPANY ROSTELECOM"),
    ("АО Газпромбанк", "GAZPROMBANK JOINT STOCK COMPANY"),
    ("ПАО Аэрофлот", "PJSC AEROFLOT"),
    ("ПАО Транснефть", "PUBLIC JOINT STOCK COMPANY TRANSNEFT"),
    ("ПАО Газпром нефть", "PUBLIC JOINT STOCK COMPANY GAZPROM NEFT"),
    ("ПАО Лукойл", "LUKOIL OAO"),
    ("ПАО Совкомфлот", "JOINT STOCK COMPANY SOVCOMFLOT"),
    ("ПАО Северсталь", "PUBLIC JOINT STOCK COMPANY SEVERSTAL"),
    ("ПАО Мечел", "PUBLICHNOE AKTSIONERNOE OBSHCHESTVO MECHEL"),
    ("ПАО КАМАЗ", "KAMAZ PUBLICLY TRADED COMPANY"),
    ("АО Рособоронэкспорт", "Rosoboronexport OJSC (ROE)"),
    ("ПАО МегаФон", "Public Joint Stock Company Megafon"),
    ("АО Альфа-Банк", "JOINT STOCK COMPANY ALFA-BANK"),
    ("ПАО Промсвязьбанк", "PROMSVYAZBANK PUBLIC JOINT STOCK COMPANY"),
    ("АО Новикомбанк", "JOINT STOCK COMMERCIAL BANK NOVIKOMBANK"),
    ("ПАО Объединенная авиастроительная корпорация", "PUBLIC JOINT STOCK COMPANY UNITED AIRCRAFT CORPORATION"),
    ("АО Объединенная судостроительная корпорация", "JOINT STOCK COMPANY UNITED SHIPBUILDING CORPORATION"),
    ("АО Вертолеты России", "Russian Helicopters JSC"),
    ("АО Швабе", "JOINT STOCK COMPANY SHVABE"),
    ("АО Ангстрем-Т", "JSC ANGSTREM-T"),
    ("ПАО Микрон", "PJSC Mikron"),
    ("ПАО Туполев", "TUPOLEV PUBLIC JOINT STOCK COMPANY"),
    ("Корпорация Иркут", "Irkut Corporation"),
    ("АО НПО Высокоточные комплексы", "JSC NPO HIGH PRECISION SYSTEMS"),
    ("АО Технодинамика", "JOINT STOCK COMPANY TEKHNODINAMIKA"),
    ("АО Концерн Радиоэлектронные технологии", "Joint-Stock Company Concern Radio-Electronic Technologies"),
    ("АО Объединенная приборостроительная корпорация", "United Instrument Manufacturing Corporation"),
    ("АО Ижевский электромеханический завод Купол", "JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL"),
    ("АО Концерн Созвездие", "JOINT STOCK COMPANY CONCERN SOZVEZDIE"),
    ("АО Российские космические системы", "Russian Space Systems (RKS)"),
    ("ПАО Полюс", "PUBLIC JOINT STOCK COMPANY POLYUS"),
    ("ПАО Московский кредитный банк", "CREDIT BANK OF MOSCOW PUBLIC JOINT STOCK COMPANY"),
    ("ООО Газпром добыча Иркутск", "GAZPROM DOBYCHA IRKUTSK, OOO"),
    ("АО Научно-исследовательский институт Полюс им. М.Ф. Стельмаха", "JOINT STOCK COMPANY RESEARCH INSTITUTE POLYUS OF M.F. STELMAKH"),
    ("ПАО Совкомбанк", "SOVCOMBANK OPEN JOINT STOCK COMPANY"),
    ("АО Лаборатория Касперского", "AO Kaspersky Lab"),
]
COUNTRY_FORMS = {
    "CN": ["China", "CN", "PRC", "People's Republic of China", "中国", "CHN"],
    "HK": ["Hong Kong", "HK", "Hong Kong SAR", "China, Hong Kong SAR", "Hong Kong, China", "香港"],
    "RU": ["Russia", "RU", "Russian Federation", "Россия", "RUS", "Russian Fed."],
}


def _syllables() -> set[str]:
    """Every pinyin syllable without tones, from pypinyin's dictionary."""
    import unicodedata

    from pypinyin.constants import PINYIN_DICT

    out = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            out.add("".join(c for c in unicodedata.normalize("NFKD", reading) if not unicodedata.combining(c)))
    return {s for s in out if s.isascii() and s.isalpha()}


SYLLABLES = _syllables()
ENGLISH = {"engineering", "engine", "service", "center", "device", "aero", "china", "kohana", "machine", "marine", "online"}


def split_pinyin(word: str) -> list[str] | None:
    """A pinyin word cut into syllables (longest first, backtracking), or None if it is not pinyin."""
    if not word:
        return []
    for n in range(min(6, len(word)), 0, -1):
        if word[:n] in SYLLABLES:
            rest = split_pinyin(word[n:])
            if rest is not None:
                return [word[:n], *rest]
    return None


LEGAL_REWRITES = [
    (r"\bCo\.,? ?Ltd\.?", ["Company Limited", "Co Ltd", "Limited", "Co., Limited", ""]),
    (r"\bCompany Limited\b", ["Co., Ltd.", "Ltd", "Co. Ltd", ""]),
    (r"\bLimited\b", ["Ltd.", "Ltd", "LTD", ""]),
    (r"\bCorporation\b", ["Corp.", "Corp", "Co.", ""]),
]
RU_FORMS = [
    (
        r"^(?:LIMITED LIABILITY COMPANY|OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU|OOO|LLC)\s+(.+)$",
        ["{} LLC", "OOO {}", "{}, OOO", "{} Ltd", "Obshchestvo s ogranichennoy otvetstvennostyu {}"],
    ),
    (r"^(?:JOINT STOCK COMPANY|AKTSIONERNOE OBSHCHESTVO|JSC|AO)\s+(.+)$", ["{} JSC", "AO {}", "{}, AO", "JSC {}", "{} Joint-Stock Co."]),
    (r"^(?:PUBLIC JOINT STOCK COMPANY|PJSC|PAO)\s+(.+)$", ["{} PJSC", "PAO {}", "{} Public JSC", "OAO {}"]),
    (r"^(.+?),? (?:LLC|OOO|Limited Liability Company)$", ["OOO {}", "{} Ltd.", "LLC {}"]),
    (r"^(.+?),? (?:JSC|AO|Joint Stock Company)$", ["AO {}", "JSC {}", "{} OAO"]),
]
TRANSLIT = [  # BGN/PCGN → the other romanisations people meet (ICAO passports, German, simplified English)
    ("shch", "sch"),
    ("kh", "h"),
    ("iy\\b", "ii"),
    ("yy\\b", "yi"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("ye", "e"),
    ("ts", "tz"),
    ("zh", "j"),
    ("iy\\b", "ij"),
    ("kh", "ch"),
]
ABBREVIATIONS = [
    ("Technology", "Tech."),
    ("Technologies", "Techs"),
    ("International", "Int'l"),
    ("Electronics", "Elec."),
    ("Electronic", "Elec."),
    ("Company", "Co."),
    ("Corporation", "Corp."),
    ("Industrial", "Ind."),
    ("Development", "Dev."),
    ("Limited", "Ltd"),
    ("Trading", "Trdg"),
    ("Equipment", "Equip."),
    ("Manufacturing", "Mfg."),
    ("Science", "Sci."),
    ("Logistics", "Log."),
    ("Import and Export", "Imp. & Exp."),
]
CITIES = (
    "Shenzhen",
    "Beijing",
    "Shanghai",
    "Guangzhou",
    "Hangzhou",
    "Wuhan",
    "Xiamen",
    "Chengdu",
    "Tianjin",
    "Suzhou",
    "Changsha",
    "Nanjing",
    "Dongguan",
    "Ningbo",
    "Qingdao",
    "Dalian",
    "Xian",
    "Harbin",
    "Hefei",
    "Zhuhai",
    "Moscow",
)


def typo(name: str, rng: random.Random) -> str | None:
    """One slip (swap, drop, double) in the longest distinctive word, never its first letter."""
    words = [w for w in re.findall(r"[A-Za-z]{5,}", name) if w.lower() in analyze(name).core.split()]
    if not words:
        return None
    w = max(words, key=len)
    i = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["swap", "drop", "double"])
    slipped = (w[:i] + w[i + 1] + w[i] + w[i + 2 :]) if kind == "swap" else (w[:i] + w[i + 1 :]) if kind == "drop" else (w[:i] + w[i] + w[i:])
    return name.replace(w, slipped, 1) if slipped != w else None


def legal_form(name: str, rng: random.Random) -> str | None:
    for pattern, choices in RU_FORMS:
        m = re.match(pattern, name, re.I)
        if m:
            return rng.choice(choices).format(m.group(1).strip(" ,").title())
    for pattern, choices in LEGAL_REWRITES:
        if re.search(pattern, name, re.I):
            return re.sub(pattern, rng.choice(choices), name, count=1, flags=re.I).strip(" ,")
    return None


def hk_spelling(name: str, rng: random.Random) -> str | None:
    forms = ["Hong Kong", "HK", "H.K.", "Hongkong", "HONG KONG"]
    m = re.search(r"\bHong ?Kong\b|\bH\.?K\.?(?=\W|$)", name, re.I)
    if not m:
        return None
    other = [f for f in forms if f.lower().replace(".", "").replace(" ", "") != m.group(0).lower().replace(".", "").replace(" ", "")]
    return name[: m.start()] + rng.choice(other) + name[m.end() :]


def pinyin_spacing(name: str, rng: random.Random) -> str | None:
    words = name.split()
    spots = [
        i
        for i, w in enumerate(words)
        if len(w) >= 6 and w.isalpha() and w.title() not in CITIES and w.lower() not in ENGLISH and (s := split_pinyin(w.lower())) and 2 <= len(s) <= 3
    ]
    if spots:
        i = rng.choice(spots)
        parts = split_pinyin(words[i].lower()) or []
        words[i] = " ".join(p.title() for p in parts)
        return " ".join(words)
    for i in range(len(words) - 1):  # spaced syllables joined: "Hua Xin" → "Huaxin"
        if (
            split_pinyin(words[i].lower())
            and split_pinyin(words[i + 1].lower())
            and len(words[i]) <= 4
            and len(words[i + 1]) <= 4
            and words[i].lower() not in {"co", "ltd", "hk"}
        ):
            return " ".join([*words[:i], words[i] + words[i + 1].lower(), *words[i + 2 :]])
    return None


def abbreviation(name: str, rng: random.Random) -> str | None:
    found = [(a, b) for a, b in ABBREVIATIONS if re.search(rf"\b{a}\b", name, re.I)]
    if not found:
        return None
    out = re.sub(r"\bLimited Liability Company\b", "LLC", name, flags=re.I)
    for a, b in found:
        out = re.sub(rf"\b{a}\b", b, out, flags=re.I)
    return out


_LEGAL_PHRASE = re.compile(
    r"^(limited liability company|joint[- ]stock company|public joint stock company|open joint stock company|"
    r"closed joint stock company|aktsionernoe obshchestvo|obshchestvo s ogranichennoi otvetstvennostyu)\s+",
    re.I,
)


def word_order(name: str, rng: random.Random) -> str | None:
    m = _LEGAL_PHRASE.match(name)
    if m:  # a Russian firm: the legal form moves to the end, as invoices write it ("Fotonika NPK LLC")
        rest = name[m.end() :].split()
        if len(rest) < 2:
            return None
        return " ".join([*rest[1:], rest[0]]) + ", " + m.group(1)
    words = name.replace(",", "").split()
    if words and words[0].title() in CITIES and len(words) >= 3:
        return " ".join(words[1:]) + f" ({words[0]})"
    core = analyze(name).core.split()
    if len(core) >= 2:
        first = next((w for w in words if w.lower() == core[0]), None)
        if first:
            rest = [w for w in words if w is not first]
            return " ".join([*rest[: len(rest) - 2], first, *rest[len(rest) - 2 :]]) if len(rest) > 2 else " ".join([*rest, first])
    return None


def transliteration(name: str, rng: random.Random) -> str | None:
    rules = [(a, b) for a, b in TRANSLIT if re.search(a, name, re.I)]
    if not rules:
        return None
    out = name.lower()
    for a, b in rng.sample(rules, min(len(rules), 2)):
        out = re.sub(a, b, out)
    out = out.upper() if name.isupper() else out.title()
    return out if out.lower() != name.lower() else None


def main(store: str) -> None:
    rng = random.Random(2026)
    db = sqlite3.connect(store)
    companies = db.execute(
        "SELECT e.key, e.name, e.countries FROM entities e WHERE e.kind = 'company' AND EXISTS"
        " (SELECT 1 FROM listings l WHERE l.entity_id = e.id AND l.status = 'active') ORDER BY e.key"
    ).fetchall()
    by_latn: dict[str, set[str]] = {}
    for key, latn in db.execute("SELECT e.key, n.latn FROM names n JOIN entities e ON e.id = n.entity_id"):
        by_latn.setdefault(latn, set()).add(key)

    def expected(*names: str) -> str:
        keys = set().union(*(by_latn.get(analyze(n).latn, set()) for n in names))
        if not keys:  # a hand-written row names the start of a long listed name
            keys = {k for (k,) in db.execute("SELECT key FROM entities WHERE name LIKE ? || '%'", (names[0],))}
        return "|".join(sorted(keys))

    def country(codes: str, home: str) -> str:
        code = next((c for c in codes.split(",") if c in COUNTRY_FORMS), home)
        return rng.choice(COUNTRY_FORMS[code])

    rows: list[dict[str, str]] = []
    for han, listed in HAN:
        keys = expected(listed)
        assert keys, f"not in the seed: {listed}"
        rows.append(
            {"name": han, "country": rng.choice(COUNTRY_FORMS["CN"]), "variant": "chinese_characters", "listed_name": listed, "expected_keys": keys}
        )
    for cyr, listed in CYRILLIC:
        keys = expected(listed)
        assert keys, f"not in the seed: {listed}"
        rows.append({"name": cyr, "country": rng.choice(COUNTRY_FORMS["RU"]), "variant": "cyrillic", "listed_name": listed, "expected_keys": keys})
    classes = {
        "legal_form": (legal_form, ("CN", "HK", "RU")),
        "hk_spelling": (hk_spelling, ("HK", "CN")),
        "pinyin_spacing": (pinyin_spacing, ("CN", "HK")),
        "typo": (typo, ("CN", "HK", "RU")),
        "abbreviation": (abbreviation, ("CN", "HK", "RU")),
        "word_order": (word_order, ("CN", "HK", "RU")),
        "transliteration": (transliteration, ("RU",)),
        "country_name": (lambda n, r: n, ("CN", "HK", "RU")),
    }
    used: set[str] = set()
    for variant, (make, homes) in classes.items():
        pool = [c for c in companies if set(c[2].split(",")) & set(homes) and c[0] not in used and len(c[1]) <= 90]
        rng.shuffle(pool)
        made = 0
        for key, name, countries in pool:
            written = make(name, rng)
            if not written or not analyze(written).latn or (variant != "country_name" and written == name):
                continue
            keys = expected(name, written) if variant == "country_name" else expected(name)
            home = next(h for h in homes if h in countries.split(","))
            rows.append(
                {
                    "name": written,
                    "country": country(countries, home) if variant != "country_name" else rng.choice([f for f in COUNTRY_FORMS[home] if len(f) > 3]),
                    "variant": variant,
                    "listed_name": name,
                    "expected_keys": keys,
                }
            )
            used.add(key)
            made += 1
            if made == PER_CLASS:
                break
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["name", "country", "variant", "listed_name", "expected_keys"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
