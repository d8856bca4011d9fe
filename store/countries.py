"""Country names and codes as they appear in the lists."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from functools import lru_cache

NAMES: dict[str, str] = {
    "china": "CN",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "taiwan": "TW",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "north korea": "KP",
    "korea, north": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "syria": "SY",
    "belarus": "BY",
    "ukraine": "UA",
    "kazakhstan": "KZ",
    "kyrgyzstan": "KG",
    "uzbekistan": "UZ",
    "armenia": "AM",
    "georgia": "GE",
    "azerbaijan": "AZ",
    "turkey": "TR",
    "turkiye": "TR",
    "united arab emirates": "AE",
    "uae": "AE",
    "india": "IN",
    "pakistan": "PK",
    "afghanistan": "AF",
    "iraq": "IQ",
    "lebanon": "LB",
    "yemen": "YE",
    "venezuela": "VE",
    "cuba": "CU",
    "burma": "MM",
    "myanmar": "MM",
    "singapore": "SG",
    "malaysia": "MY",
    "thailand": "TH",
    "vietnam": "VN",
    "united kingdom": "GB",
    "germany": "DE",
    "france": "FR",
    "italy": "IT",
    "spain": "ES",
    "netherlands": "NL",
    "switzerland": "CH",
    "cyprus": "CY",
    "latvia": "LV",
    "lithuania": "LT",
    "estonia": "EE",
    "finland": "FI",
    "serbia": "RS",
    "israel": "IL",
    "united states": "US",
    "canada": "CA",
    "mexico": "MX",
    "japan": "JP",
    "seychelles": "SC",
    "british virgin islands": "VG",
    "virgin islands, british": "VG",
    "marshall islands": "MH",
    "panama": "PA",
    "liberia": "LR",
    "mongolia": "MN",
    "tajikistan": "TJ",
    "turkmenistan": "TM",
    "moldova": "MD",
    "bulgaria": "BG",
    "sudan": "SD",
    "south sudan": "SS",
    "libya": "LY",
    "egypt": "EG",
    "jordan": "JO",
    "saudi arabia": "SA",
    "qatar": "QA",
    "oman": "OM",
    "kuwait": "KW",
    "bahrain": "BH",
    "nicaragua": "NI",
    "colombia": "CO",
    "brazil": "BR",
    "indonesia": "ID",
    "philippines": "PH",
    "sri lanka": "LK",
    "bangladesh": "BD",
    "nepal": "NP",
}
_HK_HINT = re.compile(r"\b(hong\s*kong|kowloon|n\.\s*t\.|new territories|wan chai|tsim sha tsui|mong\s*kok|kwun tong)\b", re.I)


# Forms people write that ISO 3166 does not list (World Bank, UN, customs and press usage); names are folded by _fold.
COMMON_FORMS: dict[str, str] = {
    "hong kong sar": "HK",
    "hong kong china": "HK",
    "china hong kong sar": "HK",
    "hong kong sar china": "HK",
    "hksar": "HK",
    "hong kong special administrative region": "HK",
    "china hong kong special administrative region": "HK",  # the UN's own form
    "hong kong special administrative region of china": "HK",
    "china macao special administrative region": "MO",
    "macao special administrative region of china": "MO",
    "democratic republic of the congo": "CD",  # the UN's form (ISO: "Congo, The Democratic Republic of the")
    "dr congo": "CD",
    "drc": "CD",
    "macao sar": "MO",
    "macau sar": "MO",
    "china macao sar": "MO",
    "macao sar china": "MO",
    "korea rep": "KR",
    "republic of korea": "KR",
    "korea dem peoples rep": "KP",
    "korea dpr": "KP",
    "dprk": "KP",
    "russia": "RU",
    "rf": "RU",
    "turkiye": "TR",
    "türkiye": "TR",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "uae": "AE",
    "emirates": "AE",
    "burma": "MM",
    "iran": "IR",
    "iran islamic rep": "IR",
    "vietnam": "VN",
    "viet nam": "VN",
    "taiwan": "TW",
    "chinese taipei": "TW",
    "taiwan province of china": "TW",
    "laos": "LA",
    "lao pdr": "LA",
    "syria": "SY",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "prc": "CN",
    "peoples republic of china": "CN",
    "mainland china": "CN",
    "pr china": "CN",
    "bvi": "VG",
    "holland": "NL",
    "kyrgyz republic": "KG",
    "slovak republic": "SK",
    "egypt arab rep": "EG",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "中华人民共和国": "CN",
    "中國香港": "HK",
    "中国香港": "HK",
    "香港特别行政区": "HK",
    "香港特別行政區": "HK",
    "澳门": "MO",
    "россия": "RU",
    "рф": "RU",
    "кнр": "CN",
    "гонконг": "HK",
    "сянган": "HK",
}


def _fold(text: str) -> str:
    """A country as written, folded: lower case, no dots, commas, brackets or "the", one space between words."""
    text = re.sub(r"[,()'’]", " ", text.lower().replace(".", "").replace("&", " and "))
    words = [w for w in text.split() if w != "the"]
    return " ".join(words)


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, str]:
    """Every way of writing a country we know: ISO 3166 codes and English names (pycountry), their Russian and
    Chinese names (pycountry's own translations), the lists' spellings (NAMES) and common forms."""
    import pycountry

    translations = []
    for language in ("ru", "zh_CN", "zh_TW", "zh_HK"):
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language]))
        except OSError:
            continue
    out: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.alpha_3, country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")]
        names += [t.gettext(n) for t in translations for n in names[1:] if n]
        for name in names:
            if name:
                out.setdefault(_fold(name), code)
    for table in (NAMES, COMMON_FORMS):
        out.update({_fold(name): code for name, code in table.items()})
    return out


def country_code(value: str) -> str | None:
    """The ISO 3166 alpha-2 code for a country as people write it (code, alpha-3, English, Russian or Chinese name,
    "Hong Kong SAR", "Korea, Rep.", "Türkiye", …); None when it is not a country we know (never a guess from its letters)."""
    text = value.strip()
    if not text or len(text) > 80:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        import pycountry

        code = text.upper()
        return code if code == "XK" or pycountry.countries.get(alpha_2=code) else None
    return _vocabulary().get(_fold(text))


def code_for(name: str) -> str | None:
    """ISO-2 code for a country name or code as written in a list, else None."""
    text = name.strip().strip(".").lower()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return NAMES.get(text)


def address_country(address: str, code: str | None) -> str | None:
    """The address's country; Hong Kong addresses that BIS files under CN count as HK."""
    if code in (None, "CN") and _HK_HINT.search(address):
        return "HK"
    return code


# The lists file a territory under its sovereign (BIS puts Hong Kong under CN, the British Virgin Islands under GB) and
# customs records name the territory: where countries are compared, a territory and its sovereign are one place.
SOVEREIGN = {"HK": "CN", "MO": "CN", "VG": "GB", "KY": "GB", "BM": "GB", "GI": "GB", "AI": "GB", "TC": "GB", "MS": "GB"}


def places(codes: Iterable[str]) -> frozenset[str]:
    """The places of ISO-2 codes: each territory as its sovereign."""
    return frozenset(SOVEREIGN.get(c, c) for c in codes if c)


def same_place(a: Iterable[str], b: Iterable[str]) -> bool:
    """The one "countries meet" rule: true when either side gives no country, or they share a place."""
    pa, pb = places(a), places(b)
    return not pa or not pb or bool(pa & pb)
