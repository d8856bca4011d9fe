"""Every importer fuzzed with hypothesis: hostile bytes end in a clean import, per-row rejects or one line.

Each case starts from a slice of a real seed file in that format and breaks it: random bytes, a cut,
another encoding (UTF-16 and GB18030, with and without BOM), a missing or an extra column, a 1 MB
field, CRLF or lone-CR line ends, NUL bytes, formula-looking cells. Whatever happens, an import must
finish within the deadline with a report or raise ``ImportFailed`` with one line, and a failed import
must leave the store exactly as it was. ``WATCHLIST_FUZZ_EXAMPLES`` raises the number of cases.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchlist.store import ImportFailed, connect, importers

from .conftest import table_digests

SEED = Path(__file__).resolve().parent.parent / "seed"
EXAMPLES = int(os.environ.get("WATCHLIST_FUZZ_EXAMPLES", "40"))
ROWS = 25  # rows of the real file each case starts from


def _head(name: str, rows: int = ROWS) -> bytes:
    """The header and first rows of a seed file (gunzipped)."""
    data = (SEED / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return b"".join(data.splitlines(keepends=True)[: rows + 1])


def _csl_json() -> bytes:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(_head("entity_list_2025-11-08.csv.gz").decode("utf-8"))))
    return json.dumps({"results": rows}, ensure_ascii=False, indent=1).encode("utf-8")


# format → (file name the importer reads, the real bytes the cases start from)
BASES: dict[str, tuple[str, bytes]] = {
    "csl": ("list.csv", _head("consolidated_2022-04.csv.gz")),
    "csl-json": ("list.json", _csl_json()),
    "ofac-sdn": ("sdn.csv", _head("sdn_2024-05-03.csv.gz")),
    "ofac-cons": ("cons_prim.csv", _head("ofac_nonsdn_2025-12/cons_prim.csv")),
    "hs": ("hs.csv", _head("hs2022_nomenclature.csv")),
    "hs-sections": ("sections.csv", _head("hs2022_sections.csv")),
    "chpl": ("chpl.csv", _head("chpl_hs6.csv")),
    "gacc-monthly": ("gacc.csv", _head("china_exports_to_russia_monthly_gacc.csv")),
    "imf-imts": ("imf.csv", _head("russia_trade_by_partner_imf_imts_2016_2024.csv")),
    "press-figures": ("press.csv", _head("press_reported_trade_figures.csv")),
    "suppliers": ("suppliers.csv", _head("documented_cn_hk_suppliers.csv")),
    "shipments": (
        "shipments.csv",
        b"date,exporter,exporter_country,importer,importer_country,hs_code,goods_description,value\n"
        b"2023-03-01,Sinno Electronics Co. Limited,HK,SMT-iLogic,RU,854231,processors,125000\n"
        b"2023-04-11,King Pai Technology Co Ltd,HK,Radioavtomatika,RU,854232,memories,98000.5\n",
    ),
    "trade-csv": (
        "trade.csv",
        b"reporter,partner,flow,hs_code,period,value,unit\nCN,RU,export,8542,2022,1850000000,USD\nCN,RU,export,2818,2022-05,36000000,USD\n",
    ),
    "ftm": ("entities.ftm.json", (Path(__file__).parent / "data" / "opensanctions" / "entities.ftm.json").read_bytes()),
    "os-targets": ("targets.simple.csv", (Path(__file__).parent / "data" / "opensanctions" / "targets.simple.csv").read_bytes()),
    "un-xml": ("un.xml", (Path(__file__).parent / "data" / "un" / "un_sample.xml").read_bytes()),
    "ofac-xml": ("sdn_enhanced.xml", (Path(__file__).parent / "data" / "ofac" / "enhanced_sample.xml").read_bytes()),
    "eu-xml": ("eu.xml", (Path(__file__).parent / "data" / "eu" / "eu_fsf_sample.xml").read_bytes()),
    "uk-xml": ("uk.xml", (Path(__file__).parent / "data" / "uk" / "uk_sanctions_list_sample.xml").read_bytes()),
}


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _drop_column(data: bytes, which: int) -> bytes:
    out = []
    for line in _lines(data):
        cells = line.split(b",")
        if len(cells) > 1:
            del cells[which % len(cells)]
        out.append(b",".join(cells))
    return b"\n".join(out)


def _add_column(data: bytes) -> bytes:
    return b"\n".join(line + (b",extra" if i == 0 else b",x") if line else line for i, line in enumerate(_lines(data)))


def _in_a_field(data: bytes, payload: bytes, line: int) -> bytes:
    """Put ``payload`` at the start of the first field of a data line (quoted, so the CSV stays CSV)."""
    lines = _lines(data)
    i = 1 + line % max(1, len(lines) - 1)
    if i < len(lines):
        quoted = b'"' + payload.replace(b'"', b'""') + b'"'
        lines[i] = quoted + b"," + lines[i].split(b",", 1)[-1] if b"," in lines[i] else quoted
    return b"\n".join(lines)


FORMULAS = [b"=cmd|' /C calc'!A0", b"+1+1", b"-2+3", b"@SUM(1+1)", b'=HYPERLINK("http://x")']


def mutation(base: bytes):
    """A strategy of broken versions of ``base``."""
    text = base.decode("utf-8")
    return st.one_of(
        st.binary(max_size=2048),
        st.integers(0, len(base)).map(lambda n: base[:n]),
        st.sampled_from(
            [
                text.encode("utf-16"),
                text.encode("utf-16-le"),
                text.encode("utf-16-be"),
                b"\x84\x31\x95\x33" + text.encode("gb18030"),
                text.encode("gb18030"),
                base.replace(b"\n", b"\r\n"),
                base.replace(b"\n", b"\r"),
                b"",
                b"\n\n\n",
                base[:200] + b"\x00" + base[200:],
                _add_column(base),
            ]
        ),
        st.integers(0, 50).map(lambda k: _drop_column(base, k)),
        st.integers(0, 50).map(lambda k: _in_a_field(base, b"A" * 1_000_000, k)),
        st.tuples(st.sampled_from(FORMULAS), st.integers(0, 50)).map(lambda fk: _in_a_field(base, fk[0], fk[1])),
        st.tuples(st.binary(min_size=1, max_size=64), st.integers(0, len(base))).map(lambda bp: base[: bp[1]] + bp[0] + base[bp[1] :]),
    )


def _fingerprint(conn: sqlite3.Connection) -> dict[str, int]:
    return table_digests(conn, skip=lambda table: table in ("imports", "sqlite_sequence") or "_fts" in table)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A store holding HS sections and nomenclature (shipments and suppliers check codes against them), and the digest
    of its data as a case sees it once opened: every case starts from a copy, so a failed one must end equal to it."""
    path = tmp_path_factory.mktemp("fuzz") / "template.db"
    db = connect(path)
    importers.import_file(db, SEED / "hs2022_sections.csv", "hs-sections")
    importers.import_file(db, SEED / "hs2022_nomenclature.csv", "hs")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    probe = shutil.copy(path, path.with_name("probe.db"))
    db = connect(Path(probe))
    digest = _fingerprint(db.conn)
    db.conn.close()
    return path, digest


CASES = {"total": 0, "imported": 0, "rejected rows": 0, "one-line error": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    """After the module: how the cases of this process ended (under pytest-xdist each worker has its share)."""
    yield
    if CASES["total"]:
        print(
            f"\nfuzz: {CASES['total']} hostile files: {CASES['imported']} imported clean, {CASES['rejected rows']} with rejected "
            f"rows, {CASES['one-line error']} refused in one line; no traceback, no partial import",
            file=sys.__stderr__,
        )


@pytest.mark.parametrize("fmt", sorted(BASES))
def test_importer_survives_hostile_files(fmt: str, template: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory):
    name, base = BASES[fmt]
    template_path, before = template
    ran = CASES["total"]

    @settings(
        max_examples=EXAMPLES,
        deadline=30_000,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )
    @given(mutation(base))
    def case(data: bytes) -> None:
        work = tmp_path_factory.mktemp(fmt)
        store = work / "store.db"
        shutil.copy(template_path, store)
        folder = work / "in"
        folder.mkdir()
        target = folder / name
        target.write_bytes(data)
        if fmt == "ofac-cons":  # the other three files of the set, real and untouched
            for part in ("alt", "add", "comments"):
                (folder / f"cons_{part}.csv").write_bytes(_head(f"ofac_nonsdn_2025-12/cons_{part}.csv", 200))
        db = connect(store)
        CASES["total"] += 1
        try:
            report = importers.import_file(db, folder if fmt == "ofac-cons" else target, fmt, as_of="2026-01-01")
        except ImportFailed as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(str(folder)), message  # one line naming the file
            assert _fingerprint(db.conn) == before, "a failed import changed the store"
            CASES["one-line error"] += 1
        else:
            assert db.conn.execute("SELECT status FROM imports WHERE id = ?", (report.import_id,)).fetchone()[0] == "ok"
            CASES["rejected rows" if report.rejects else "imported"] += 1
            assert all("\n" not in r.describe(name) for r in report.rejects)
        finally:
            assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.conn.close()
            shutil.rmtree(work)

    case()
    assert CASES["total"] - ran >= min(EXAMPLES, 5)  # hypothesis really ran the cases
