"""Name normalisation shared by importers, search and screening.

Every name is reduced once, at import time, to two keys stored beside it:

- ``latn``: the whole name folded to lowercase Latin tokens (NFKC, diacritics
  dropped, punctuation to spaces, Chinese characters to pinyin, HK/H.K./Hong
  Kong/香港 to ``hk``, legal forms and common abbreviations to one spelling);
- ``core``: the distinctive trade name: ``latn`` without legal forms, places
  and industry words, the part that tells one company from its siblings.

Queries go through the same function, so a query in any script (Chinese
characters to pinyin, Cyrillic by BGN/PCGN with Russian legal forms), with or
without "Co., Ltd.", finds the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Chinese-script words replaced before transliteration, longest first.
_HAN_WORDS: dict[str, str] = {
    "股份有限公司": " co ltd ",
    "有限责任公司": " co ltd ",
    "有限公司": " co ltd ",
    "集团": " group ",
    "公司": " co ",
    "科技": " tech ",
    "技术": " tech ",
    "电子": " elec ",
    "贸易": " trading ",
    "进出口": " import export ",
    "国际": " intl ",
    "物流": " logistics ",
    "香港": " hk ",
    "澳门": " macau ",
    "中国": " china ",
    "深圳": " shenzhen ",
    "北京": " beijing ",
    "上海": " shanghai ",
    "广州": " guangzhou ",
    "苏州": " suzhou ",
    "杭州": " hangzhou ",
    "武汉": " wuhan ",
    "长沙": " changsha ",
    "厦门": " xiamen ",
    "成都": " chengdu ",
    "天津": " tianjin ",
    "重庆": " chongqing ",
    "西安": " xian ",
}
_HAN_RE = re.compile("|".join(sorted(map(re.escape, _HAN_WORDS), key=len, reverse=True)))
_HAN_CITY_SUFFIX = re.compile(r"(shenzhen|beijing|shanghai|guangzhou|suzhou|hangzhou|wuhan|changsha|xiamen|chengdu|tianjin|chongqing|xian) (?=[市省])")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Token spellings folded to one canonical form (also joined pinyin and spaced forms).
CANON: dict[str, str] = {
    "limited": "ltd", "ltd": "ltd", "company": "co", "co": "co", "corporation": "corp",
    "corp": "corp", "incorporated": "inc", "inc": "inc", "llc": "llc", "plc": "plc",
    "gmbh": "gmbh", "group": "group", "jituan": "group", "youxian": "ltd", "gongsi": "co",
    "youxiangongsi": "co ltd", "gufen": "", "youxianzeren": "ltd",
    "technology": "tech", "technologies": "tech", "tech": "tech", "technical": "tech",
    "keji": "tech", "jishu": "tech",
    "electronic": "elec", "electronics": "elec", "elec": "elec", "electron": "elec",
    "dianzi": "elec",
    "international": "intl", "intl": "intl", "int": "intl", "guoji": "intl",
    "science": "sci", "sciences": "sci", "scientific": "sci", "sci": "sci",
    "institute": "inst", "inst": "inst", "institution": "inst",
    "industrial": "ind", "industry": "ind", "industries": "ind", "ind": "ind",
    "trading": "trading", "trade": "trading", "maoyi": "trading",
    "hongkong": "hk", "hk": "hk", "xianggang": "hk", "hkg": "hk",
    "logistic": "logistics", "logistics": "logistics", "wuliu": "logistics",
    "development": "dev", "dev": "dev", "manufacturing": "mfg", "mfg": "mfg",
    "engineering": "eng", "eng": "eng", "equipment": "equip", "equip": "equip",
    "aviation": "aviation", "aeronautical": "aero", "aeronautics": "aero", "aero": "aero",
    "zhongguo": "china", "shenzhenshi": "shenzhen",
}
# Entity keys ("el:sinno elec co ltd:CN,HK") are made with the spellings above only (key_name), so that user data
# keyed by them stays attached however matching improves below.
_KEY_CANON: dict[str, str] = dict(CANON)
CANON.update({
    # legal forms written out, in the languages of the lists' firms (spaced tokens are joined to look these up)
    "limitedliabilitycompany": "llc", "limitedliabilitypartnership": "llp", "jointstockcompany": "jsc",
    "publicjointstockcompany": "pjsc", "openjointstockcompany": "ojsc", "closedjointstockcompany": "cjsc",
    "obshchestvosogranichennoiotvetstvennostyu": "ooo", "obshchestvosogranichennoyotvetstvennostyu": "ooo",
    "aktsionernoeobshchestvo": "jsc", "publichnoeaktsionernoeobshchestvo": "pao", "otkrytoeaktsionernoeobshchestvo": "oao",
    "zakrytoeaktsionernoeobshchestvo": "zao", "aktiengesellschaft": "ag", "gesellschaftmitbeschrankterhaftung": "gmbh",
    "sociedadanonima": "sa", "societeanonyme": "sa", "sociedadelimitada": "ltda", "kabushikikaisha": "kk",
    "sendirianberhad": "sdn bhd", "privatelimited": "pte ltd",
})
# Place names written in spaced pinyin ("Hang Zhou", "Shen Zhen") meet their one-word form.
CANON.update({place: place for place in (
    "shenzhen", "beijing", "shanghai", "guangzhou", "suzhou", "hangzhou", "wuhan", "changsha", "xiamen", "chengdu", "tianjin",
    "chongqing", "nanjing", "dongguan", "ningbo", "qingdao", "dalian", "shenyang", "harbin", "hefei", "zhuhai", "foshan",
    "zhengzhou", "jinan", "kunming", "nanchang", "guangdong", "jiangsu", "zhejiang", "shandong", "fujian", "hunan",
    "hubei", "sichuan", "shaanxi", "henan", "hebei", "anhui", "liaoning", "jilin", "heilongjiang", "yunnan", "guangxi",
    "jiangxi", "shanxi", "hainan") if place not in CANON})
STOPWORDS = frozenset({"and", "the", "of", "for", "a", "an", "aka", "fka"})
LEGAL = frozenset({"ltd", "co", "corp", "inc", "llc", "plc", "gmbh", "group", "sa", "ag",
                   "bv", "oao", "ooo", "zao", "pao", "jsc", "ojsc", "cjsc", "pjsc", "fzco", "fze",
                   "llp", "lp", "pte", "pty", "sdn", "bhd", "srl", "spa", "kg", "ab", "as", "ltda", "kk", "sarl", "too", "tov"})
PLACES = frozenset({
    "hk", "china", "prc", "macau", "macao", "kowloon", "shenzhen", "beijing", "shanghai",
    "guangzhou", "suzhou", "hangzhou", "wuhan", "changsha", "xiamen", "chengdu", "tianjin",
    "chongqing", "xian", "nanjing", "dongguan", "ningbo", "qingdao", "dalian", "shenyang",
    "harbin", "hefei", "zhuhai", "foshan", "zhengzhou", "jinan", "kunming", "nanchang",
    "guangdong", "jiangsu", "zhejiang", "shandong", "fujian", "hunan", "hubei", "sichuan",
    "shaanxi", "henan", "hebei", "anhui", "liaoning", "jilin", "heilongjiang", "yunnan",
    "guangxi", "jiangxi", "shanxi", "hainan", "russia", "moscow", "russian",
})
INDUSTRY = frozenset({
    "tech", "elec", "intl", "sci", "inst", "ind", "trading", "logistics", "dev", "mfg",
    "eng", "equip", "import", "export", "components", "component", "materials", "material",
    "systems", "system", "services", "service", "holdings", "holding", "enterprise",
    "enterprises", "semiconductor", "semiconductors", "microelectronics", "products",
    "supply", "supplies", "research", "commercial", "industrial", "global", "investment",
})
GENERIC = LEGAL | PLACES | INDUSTRY

_MERGE_MAX = 4  # longest run of spaced tokens merged into one canonical token


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The match keys of one name: folded Latin tokens and the distinctive core."""

    latn: str
    core: str

    @property
    def joined(self) -> str:
        """The core without spaces: "Xin Rui Tai" and "Xinruitai" meet here."""
        return self.core.replace(" ", "")


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # deferred: 1.5 s import is only paid when Han appears

    return "".join(lazy_pinyin(text))


def _fold_han(text: str) -> str:
    text = _HAN_RE.sub(lambda m: _HAN_WORDS[m.group(0)], text)
    text = _HAN_CITY_SUFFIX.sub(r"\1 ", text)
    text = text.replace("市", " ").replace("省", " ")
    return _HAN_CHAR.sub(lambda m: " " + _pinyin(m.group(0)) + " ", text)


# Cyrillic: Russian legal forms to their usual Latin abbreviations, then letters by BGN/PCGN (what OFAC and BIS
# write: Rossiyskiy, Tekhnologii, Obshchestvo), Ukrainian letters included.
_CYRILLIC_CHAR = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_FORMS = (
    ("общество с ограниченной ответственностью", " ooo "), ("публичное акционерное общество", " pao "),
    ("открытое акционерное общество", " oao "), ("закрытое акционерное общество", " zao "),
    ("акционерное общество", " jsc "), ("товарищество с ограниченной ответственностью", " too "),
    ("индивидуальный предприниматель", " ip "),
)
_CYRILLIC_AO = re.compile(r"(?<![\w])ао(?![\w])")
_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
})
# A legal form glued to the name ("SiemensAG", "AcmeLtd"), split before case is folded.
_GLUED_FORM = re.compile(r"(?<=[a-z])(AG|GmbH|GMBH|LLC|Ltd|LTD|Inc|INC|Corp|CORP|SpA|SPA|BV|PLC|JSC|PJSC|OOO|OAO|ZAO|PAO)\b")
# Initialisms of three letters or more written with dots ("A.B.C.", "U.S.A.", "R.I.A"): one token. Two letters
# stay apart: "S.A." is as often a person's initials ("named after S.A. Lavochkin") as a legal form.
_INITIALISM = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_]){2,}\.?(?!\w)")


def _fold_cyrillic(text: str) -> str:
    for words, form in _CYRILLIC_FORMS:
        text = text.replace(words, form)
    return _CYRILLIC_AO.sub(" jsc ", text).translate(_CYRILLIC)


_APOSTROPHES = re.compile(r"['\u2019\u2018`\x92´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: str) -> str:
    """Make any string safe to normalise: fix cp1252 leftovers, drop controls and surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → '?'
    text = text.replace("\x92", "'")
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def tokens(text: str, *, for_key: bool = False) -> list[str]:
    """Fold a name to canonical lowercase Latin tokens (legal forms, places kept).

    ``for_key``: the frozen folding of entity keys (no Cyrillic, initialisms, glued or written-out legal forms).
    """
    text = unicodedata.normalize("NFKC", clean(text))
    if not for_key:
        text = _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), _GLUED_FORM.sub(r" \1", text))
    text = text.casefold()
    if _HAN_CHAR.search(text):
        text = _fold_han(text)
    if not for_key and _CYRILLIC_CHAR.search(text):
        text = _fold_cyrillic(text)
    canon = _KEY_CANON if for_key else CANON
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    raw = [t for t in _NON_WORD.sub(" ", text).split() if t not in STOPWORDS]
    out: list[str] = []
    i = 0
    while i < len(raw):
        for n in range(min(_MERGE_MAX, len(raw) - i), 1, -1):  # "h k", "hong kong", "ke ji"
            merged = "".join(raw[i:i + n])
            if merged in canon:
                out.extend(canon[merged].split())
                i += n
                break
        else:
            out.extend(canon.get(raw[i], raw[i]).split())
            i += 1
    return out


def core_of(toks: list[str]) -> list[str]:
    """The distinctive tokens: without legal forms, places and industry words."""
    core = [t for t in toks if t not in GENERIC]
    if core:
        return core
    core = [t for t in toks if t not in LEGAL]  # "China Electronics Technology": keep something
    return core or toks


@lru_cache(maxsize=4096)
def analyze(name: str) -> NameKeys:
    """Return the match keys of a name or a query."""
    toks = tokens(name)
    return NameKeys(" ".join(toks), " ".join(core_of(toks)))


@lru_cache(maxsize=4096)
def key_name(name: str) -> str:
    """The identity form of a primary name used in entity keys ("Co., Limited" = "Co. Ltd"); frozen: see ``tokens``."""
    return " ".join(tokens(name, for_key=True))


def has_han(text: str) -> bool:
    """True if the text contains Chinese characters."""
    return bool(_HAN_CHAR.search(text))
