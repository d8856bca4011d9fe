"""The bundled seed: which files build the store, in which order, and with what provenance."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from . import importers, resolve
from .db import fts_deferred, gc_paused, transaction
from .importers.match_keys import KeyWorkers
from .importers.records import ImportReport
from .schema import DATA_TABLES

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
PUBLIC = "US Government work, public domain"


@dataclass(frozen=True)
class SeedFile:
    """One bundled file and how to import it."""

    path: str
    format: str
    as_of: str | None
    source: str
    license: str
    url: str | None = None


SEED_FILES: tuple[SeedFile, ...] = (
    SeedFile("hs2022_sections.csv", "hs-sections", "2024-01-02", "HS 2022 sections (UN Comtrade via datasets/harmonized-system)", "PDDL 1.0"),
    SeedFile("hs2022_nomenclature.csv", "hs", "2024-01-02", "HS 2022 nomenclature (UN Comtrade via datasets/harmonized-system)", "PDDL 1.0"),
    SeedFile(
        "chpl_hs6.csv",
        "chpl",
        "2024-02-23",
        "Common High Priority List (BIS/EU/UK/Japan)",
        PUBLIC,
        "https://www.bis.gov/licensing/country-guidance/common-high-priority-items-list-chpl",
    ),
    SeedFile(
        "consolidated_2022-04.csv.gz",
        "csl",
        "2022-04-21",
        "trade.gov Consolidated Screening List",
        PUBLIC,
        "https://api.trade.gov/static/consolidated_screening_list/consolidated.csv",
    ),
    SeedFile(
        "entity_list_2025-11-08.csv.gz",
        "csl",
        "2025-11-08",
        "BIS Entity List (from the CSL)",
        PUBLIC,
        "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/entity-list",
    ),
    SeedFile("sdn_2024-05-03.csv.gz", "ofac-sdn", "2024-05-03", "OFAC SDN list (sdn.csv)", PUBLIC, "https://sanctionslist.ofac.treas.gov/"),
    SeedFile("ofac_nonsdn_2025-12", "ofac-cons", "2025-12-19", "OFAC Consolidated (non-SDN) list", PUBLIC, "https://sanctionslist.ofac.treas.gov/"),
    SeedFile(
        "un_consolidated_2026-02-27.xml.gz",
        "un-xml",
        "2026-02-27",
        "UN Security Council Consolidated List",
        "UN Security Council public document",
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
    ),
    SeedFile(
        "china_exports_to_russia_monthly_gacc.csv",
        "gacc-monthly",
        "2023-06-30",
        "China customs (GACC) exports to Russia, via Apricitas Economics",
        "official statistics",
    ),
    SeedFile(
        "russia_trade_by_partner_imf_imts_2016_2024.csv", "imf-imts", "2024-12-31", "IMF International Trade in Goods (IMTS)", "IMF terms, attribution"
    ),
    SeedFile(
        "press_reported_trade_figures.csv", "press-figures", "2024-06-30", "Press-reported trade figures (each row cites its publisher)", "facts, cited"
    ),
    SeedFile(
        "documented_cn_hk_suppliers.csv", "suppliers", "2024-06-30", "Documented CN/HK suppliers to Russia (BIS, OFAC, RUSI and press)", "facts, cited"
    ),
)

Progress = Callable[[int, int, SeedFile, ImportReport | None], None]


def build(db: sqlite_utils.Database, seed_dir: Path = SEED_DIR, progress: Progress | None = None) -> list[ImportReport]:
    """Import every seed file in order (files already imported are skipped), all in one transaction: whole or not at all."""
    reports = []
    listed: ImportReport | None = None  # the last list file written: resolution's line goes in its report
    # into a store without lists, the full-text indexes are rebuilt once at the end; a built store (every file skipped,
    # or a few added) keeps them row by row rather than rebuild them whole for nothing
    fresh = not has_lists(db)
    bulk = fts_deferred(db.conn) if fresh else contextlib.nullcontext()
    # Names are folded in this process, whose caches carry over from file to file (the lists share most names): worker
    # processes, started per large file as an import does, took 1-3 s more on 2 cores, and 0.6-0.9 s more kept over all files.
    keys = KeyWorkers(parallel=False)
    with transaction(db.conn) as conn, bulk, gc_paused(), keys:
        for number, item in enumerate(SEED_FILES, 1):
            if progress:
                progress(number, len(SEED_FILES), item, None)
            report = importers.import_file(
                db,
                seed_dir / item.path,
                item.format,
                as_of=item.as_of,
                source_name=item.source,
                license=item.license,
                url=item.url,
                snapshot=True,  # each list file is a whole list
                regroup=False,
                keys=keys,
            )
            if item.format in importers.LIST_FORMATS and not report.skipped:
                listed = report
            reports.append(report)
            if progress:
                progress(number, len(SEED_FILES), item, report)
        if listed is not None:  # records are grouped once, when every list is in
            listed.notes.append(resolve.describe(resolve.regroup(conn)))
    return reports


def rebuild(db: sqlite_utils.Database, seed_dir: Path = SEED_DIR, progress: Progress | None = None) -> list[ImportReport]:
    """Drop everything imports wrote and import the seed again, in one transaction: killed or failed, the store stays as it was.

    User data (``user_*`` tables) is never touched.
    """
    with transaction(db.conn) as conn, fts_deferred(conn):
        clear_data(db)
        return build(db, seed_dir, progress)


def clear_data(db: sqlite_utils.Database) -> None:
    """Delete everything imports wrote; user_* tables (watchlist, notes) stay."""
    with transaction(db.conn) as conn:
        for table in DATA_TABLES:
            conn.execute(f"DELETE FROM {table}")


def has_lists(db: sqlite_utils.Database) -> bool:
    """True when the store holds list data (entities to search and screen against)."""
    return db.conn.execute("SELECT 1 FROM listings LIMIT 1").fetchone() is not None


def is_built(db: sqlite_utils.Database) -> bool:
    """True once the store holds at least one finished import, or was made empty on purpose (``watchlist init``)."""
    conn = db.conn
    return (
        conn.execute("SELECT 1 FROM imports WHERE status = 'ok' LIMIT 1").fetchone() is not None
        or conn.execute("SELECT 1 FROM store_state WHERE key = 'empty_by_choice'").fetchone() is not None
    )


def mark_empty(db: sqlite_utils.Database) -> None:
    """Keep the store empty: commands no longer build the seed into it on first use (``watchlist init``)."""
    with transaction(db.conn) as conn:
        conn.execute("INSERT OR IGNORE INTO store_state (key, value) VALUES ('empty_by_choice', 1)")
