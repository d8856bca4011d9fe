"""Country names and codes as they appear in the lists."""

from __future__ import annotations

import re

NAMES: dict[str, str] = {
    "china": "CN", "hong kong": "HK", "macau": "MO", "macao": "MO", "taiwan": "TW",
    "russia": "RU", "russian federation": "RU", "iran": "IR", "north korea": "KP",
    "korea, north": "KP", "korea, south": "KR", "south korea": "KR", "syria": "SY",
    "belarus": "BY", "ukraine": "UA", "kazakhstan": "KZ", "kyrgyzstan": "KG",
    "uzbekistan": "UZ", "armenia": "AM", "georgia": "GE", "azerbaijan": "AZ",
    "turkey": "TR", "turkiye": "TR", "united arab emirates": "AE", "uae": "AE",
    "india": "IN", "pakistan": "PK", "afghanistan": "AF", "iraq": "IQ", "lebanon": "LB",
    "yemen": "YE", "venezuela": "VE", "cuba": "CU", "burma": "MM", "myanmar": "MM",
    "singapore": "SG", "malaysia": "MY", "thailand": "TH", "vietnam": "VN",
    "united kingdom": "GB", "germany": "DE", "france": "FR", "italy": "IT", "spain": "ES",
    "netherlands": "NL", "switzerland": "CH", "cyprus": "CY", "latvia": "LV",
    "lithuania": "LT", "estonia": "EE", "finland": "FI", "serbia": "RS", "israel": "IL",
    "united states": "US", "canada": "CA", "mexico": "MX", "japan": "JP",
    "seychelles": "SC", "british virgin islands": "VG", "virgin islands, british": "VG",
    "marshall islands": "MH", "panama": "PA", "liberia": "LR", "mongolia": "MN",
    "tajikistan": "TJ", "turkmenistan": "TM", "moldova": "MD", "bulgaria": "BG",
    "sudan": "SD", "south sudan": "SS", "libya": "LY", "egypt": "EG", "jordan": "JO",
    "saudi arabia": "SA", "qatar": "QA", "oman": "OM", "kuwait": "KW", "bahrain": "BH",
    "nicaragua": "NI", "colombia": "CO", "brazil": "BR", "indonesia": "ID",
    "philippines": "PH", "sri lanka": "LK", "bangladesh": "BD", "nepal": "NP",
}
_HK_HINT = re.compile(r"\b(hong\s*kong|kowloon|n\.\s*t\.|new territories|wan chai|tsim sha tsui|mong\s*kok|kwun tong)\b", re.I)


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
