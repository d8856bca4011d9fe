"""The lists the store knows: codes, names, who publishes them, and their FollowTheMoney dataset names.

One home for list vocabulary: importers map what a file says (a CSL ``source``, a FollowTheMoney
Sanction's authority and program, an OpenSanctions dataset) to a code here, and the screens, the
change report and the exporters name a code from here.
"""

from __future__ import annotations

import re

LIST_NAMES = {
    "EL": "Entity List (BIS)",
    "MEU": "Military End User List (BIS)",
    "UVL": "Unverified List (BIS)",
    "DPL": "Denied Persons List (BIS)",
    "SDN": "Specially Designated Nationals (OFAC)",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex (OFAC)",
    "ISN": "Nonproliferation Sanctions (State)",
    "DTC": "ITAR Debarred (State)",
    "SSI": "Sectoral Sanctions Identifications (OFAC)",
    "PLC": "Palestinian Legislative Council (OFAC)",
    "CAP": "CAPTA List (OFAC)",
    "MBS": "Non-SDN Menu-Based Sanctions (OFAC)",
    "FSE": "Foreign Sanctions Evaders (OFAC)",
    "UN": "UN Security Council Consolidated List",
    "EU": "EU Financial Sanctions (Council of the EU)",
    "UK": "UK Sanctions List (FCDO/OFSI)",
    "AU": "Australian Sanctions (DFAT)",
    "CA": "Canadian Sanctions (Global Affairs)",
    "CH": "Swiss Sanctions (SECO)",
    "JP": "Japanese Sanctions (MOF/METI)",
    "UA": "Ukrainian Sanctions (NSDC)",
}
# The list names of OFAC's Sanctions List Service (Enhanced XML ``sanctionsList``) → our codes; the umbrella
# "Consolidated List" that every non-SDN entry also carries is not a list of its own.
OFAC_LISTS = {
    "SDN List": "SDN",
    "Sectoral Sanctions Identifications List": "SSI",
    "Non-SDN CMIC List": "CMIC",
    "Non-SDN Menu-Based Sanctions List": "MBS",
    "Non-SDN Palestinian Legislative Council List": "PLC",
    "FSE List": "FSE",
    "Foreign Sanctions Evaders List": "FSE",
    "CAPTA List": "CAP",
}
US_LISTS = frozenset({"EL", "MEU", "UVL", "DPL", "SDN", "CMIC", "ISN", "DTC", "SSI", "PLC", "CAP", "MBS", "FSE"})
TREASURY = frozenset({"SDN", "CMIC", "SSI", "PLC", "CAP", "MBS", "FSE"})

# OpenSanctions dataset names of our lists (where OpenSanctions has one), both ways.
DATASETS = {
    "SDN": "us_ofac_sdn",
    "DPL": "us_bis_denied",
    "ISN": "us_state_isn",
    "DTC": "us_ddtc_debarred",
    "UN": "un_sc_sanctions",
    "EU": "eu_fsf",
    "UK": "gb_fcdo_sanctions",
    "AU": "au_dfat_sanctions",
    "CA": "ca_dfatd_sema_sanctions",
    "CH": "ch_seco_sanctions",
    "JP": "jp_mof_sanctions",
    "UA": "ua_nsdc_sanctions",
}
_CODE_OF_DATASET = {v: k for k, v in DATASETS.items()} | {
    "us_bis_entity": "EL",
    "us_bis_el": "EL",
    "gb_hmt_sanctions": "UK",
    "eu_sanctions_map": "EU",
    "un_sc_1267": "UN",
}

# A Sanction's authority (lower case, any of these words) → our list; the first that matches wins.
_AUTHORITIES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("denied persons",), "DPL"),
    (("unverified",), "UVL"),
    (("military end user", "military end-user"), "MEU"),
    (("industry and security", "bureau of industry", "bis"), "EL"),
    (("foreign assets control", "ofac", "department of the treasury"), "SDN"),
    (("nonproliferation", "non-proliferation", "isn"), "ISN"),
    (("defense trade controls", "ddtc"), "DTC"),
    (("security council", "united nations"), "UN"),
    (("european union", "council of the eu", "european commission", "eu"), "EU"),
    (("ofsi", "financial sanctions implementation", "hm treasury", "foreign commonwealth", "fcdo", "united kingdom"), "UK"),
    (("dfat", "australia", "australian", "department of foreign affairs and trade"), "AU"),
    (("seco", "state secretariat for economic affairs", "switzerland", "swiss"), "CH"),
    (("global affairs canada", "canada", "canadian"), "CA"),
    (("national security and defense council", "nsdc", "ukraine", "ukrainian"), "UA"),
)
_WORDS = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def list_name(code: str) -> str:
    """What a list code stands for (an unknown code is its own name)."""
    return LIST_NAMES.get(code, code)


def code_of_authority(authority: str, program: str = "") -> str | None:
    """Our list for a sanctioning authority as FollowTheMoney writes it, or None if it is not one we know.

    BIS keeps several lists: its program ("Denied Persons List") says which.
    """
    for words, code in _AUTHORITIES:
        if _says(authority, words):
            if code == "EL":
                return next((c for ws, c in _AUTHORITIES[:3] if _says(program, ws)), "EL")
            return code
    return None


def _says(text: str, words: tuple[str, ...]) -> bool:
    padded = " " + " ".join(_WORDS.findall(text.lower())) + " "
    return any(f" {w} " in padded for w in words)


def code_of_dataset(dataset: str) -> str | None:
    """Our list for an OpenSanctions (or our own exported) dataset name, or None."""
    if dataset in _CODE_OF_DATASET:
        return _CODE_OF_DATASET[dataset]
    if dataset.startswith("watchlist_") and dataset[10:].upper() in LIST_NAMES:
        return dataset[10:].upper()
    return None


def dataset_of(code: str) -> str:
    """The FollowTheMoney dataset name of a list: OpenSanctions' where it has one, else ``watchlist_<code>``."""
    if code in DATASETS:
        return DATASETS[code]
    return "watchlist_" + re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
