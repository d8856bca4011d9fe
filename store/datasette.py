"""A Datasette ``metadata.json`` for the store: what each table holds, and where the data comes from."""

from __future__ import annotations

from typing import Any

import sqlite_utils

TABLES: dict[str, str] = {
    "entities": "One row per list record (a company, person, vessel or aircraft as one list publishes it). Full-text search on name and remarks.",
    "names": "Every name and alias of every record, with its folded forms (latn, core) and the list it came from. Full-text search on name.",
    "addresses": "Addresses as listed, with the country and a normalised form used to find entities at the same address.",
    "identifiers": "Registration numbers, tax ids, passports, websites, e-mails… as listed.",
    "listings": "Which list a record is on: programs, Federal Register citation, dates, license requirement and policy, active or removed.",
    "changes": "What each list snapshot changed per record: added, changed (fields, before and after in detail), removed, relisted.",
    "relations": "Links between records (OFAC 'Linked To', ownership…): to_id when the target resolves.",
    "resolution": "Records merged into one entity across lists: entity_id belongs to the group of group_id, and why.",
    "resolve_candidates": "Pairs of records that may be one entity, waiting for a person to decide.",
    "resolve_blocks": "What resolution compares each record on (a name, core, identifier or street address): a change regroups the records near it.",
    "hs_codes": "HS 2022 nomenclature: chapters, headings and subheadings.",
    "hs_sections": "HS 2022 sections.",
    "chpl": "Common High Priority List: HS-6 codes and their tiers.",
    "entity_goods": "Goods categories (HS codes) a record is documented to supply, with the evidence.",
    "trade_flows": "Trade statistics by reporter, partner, HS code and period (GACC, IMF, press-reported figures).",
    "shipments": "Customs records imported by the user; exporter and importer linked to entities through party_links.",
    "party_links": "Shipment parties linked (exact) or proposed (fuzzy) to entities.",
    "sources": "Every file imported: name, URL, as-of date, license. Every fact points here through source_id.",
    "imports": "The import log: file, format, snapshot date, status (ok, failed, running = did not finish), counts.",
    "rejects": "Rows an import rejected, with file, line, field and the raw row.",
    "user_watchlist": "Your stars and tags (user data: never touched by imports).",
    "user_notes": "Your notes (user data).",
    "user_resolve_decisions": "Your decisions on which records are one entity (user data).",
    "user_link_decisions": "Your decisions on shipment-party links (user data).",
    "user_screening_runs": "Screening runs: file, who, when, threshold, the list snapshots screened against (user data).",
    "user_screening_rows": "Each screened row with its matches (user data).",
    "user_screening_decisions": "Your triage of screened rows: match, no match, review, with a note (user data).",
}


def metadata(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """The metadata document for a store opened in Datasette under ``name`` (the file's stem)."""
    sources = db.conn.execute("SELECT name, url, as_of, license FROM sources GROUP BY name ORDER BY min(id)").fetchall()
    items = "".join(
        f"<li>{_esc(n)}{f' (as of {_esc(a)})' if a else ''}{f', {_esc(lic)}' if lic else ''}{f': <a href={_esc(u)!r}>{_esc(u)}</a>' if u else ''}</li>"
        for n, u, a, lic in sources
    )
    present = set(db.table_names())
    return {
        "title": "watchlist: sanctions and export-control lists, goods and trade",
        "description_html": f"<p>Imported from:</p><ul>{items}</ul>",
        "license": "Data: US Government works (public domain), UN Comtrade HS (PDDL 1.0), IMF terms; see each source",
        "source": "watchlist store",
        "databases": {name: {"tables": {t: {"description": d} for t, d in TABLES.items() if t in present}}},
    }


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
