"""Name normalisation shared by importers, search and screening.

Every name is reduced once, at import time, to two keys stored beside it:

- ``latn``: the whole name folded to lowercase Latin tokens (NFKC, diacritics
  dropped, punctuation to spaces, Chinese characters to pinyin, HK/H.K./Hong
  Kong/香港 to ``hk``, legal forms and common abbreviations to one spelling);
- ``core``: the distinctive trade name: ``latn`` without legal forms, places
  and industry words, the part that tells one company from its siblings.

Queries go through the same function, so a query in either script, with or
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
STOPWORDS = frozenset({"and", "the", "of", "for", "a", "an", "aka", "fka"})
LEGAL = frozenset({"ltd", "co", "corp", "inc", "llc", "plc", "gmbh", "group", "sa", "ag",
                   "bv", "oao", "ooo", "zao", "pao", "jsc", "ojsc", "cjsc", "fzco", "fze",
                   "llp", "lp", "pte", "pty", "sdn", "bhd", "srl", "spa", "kg", "ab", "as"})
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


_APOSTROPHES = re.compile(r"['\u2019\u2018`\x92´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: str) -> str:
    """Make any string safe to normalise: fix cp1252 leftovers, drop controls and surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → '?'
    text = text.replace("\x92", "'")
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def tokens(text: str) -> list[str]:
    """Fold a name to canonical lowercase Latin tokens (legal forms, places kept)."""
    text = unicodedata.normalize("NFKC", clean(text)).casefold()
    if _HAN_CHAR.search(text):
        text = _fold_han(text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    raw = [t for t in _NON_WORD.sub(" ", text).split() if t not in STOPWORDS]
    out: list[str] = []
    i = 0
    while i < len(raw):
        for n in range(min(_MERGE_MAX, len(raw) - i), 1, -1):  # "h k", "hong kong", "ke ji"
            merged = "".join(raw[i:i + n])
            if merged in CANON:
                out.extend(CANON[merged].split())
                i += n
                break
        else:
            out.extend(CANON.get(raw[i], raw[i]).split())
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


def key_name(name: str) -> str:
    """The identity form of a primary name used in entity keys ("Co., Limited" = "Co. Ltd")."""
    return analyze(name).latn


def has_han(text: str) -> bool:
    """True if the text contains Chinese characters."""
    return bool(_HAN_CHAR.search(text))
