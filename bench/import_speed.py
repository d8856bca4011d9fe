"""Import speed: a synthetic customs file of N rows into a copy of a seed store, or a FollowTheMoney file of N entities
into an empty store, each next to its floor.

    python bench/import_speed.py --db SEED_STORE [--rows 1000000] [--keep /tmp/watchlist-bench]
    python bench/import_speed.py --ftm 1000000 [--keep /tmp/watchlist-bench]
    python bench/import_speed.py --db SEED_STORE --csl 100000     (list rows: a CSL file into a copy of the store)

FollowTheMoney: generates (once, cached) a JSON-lines file of N entities shaped as OpenSanctions publishes
them (a party, its Sanction, an Address for every other party, an Ownership for every tenth; synthetic
names, nothing committed), then in fresh processes: ``watchlist init`` + import (streamed through a
spill file) and the floor (``json.loads`` of every line). Prints seconds and peak RSS: the import's peak
must stay flat as N grows (bounded memory), not grow with the file.

Generates (once, cached) a CSV of N shipments between synthetic Chinese/HK exporters and Russian
importers (names from bench/synthetic.py; nothing real, nothing committed), then in fresh
processes: (1) ``watchlist``'s importer into a copy of the store, (2) the floor: csv.reader and a
plain ``executemany`` of the same rows into a bare table, (3) link proposals for every party.
Prints seconds and peak RSS of each. Targets (2 cores, 1M rows): import <= 90 s and <= 1 GB;
linking <= 120 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

HS = ["854231", "854232", "854233", "854239", "851762", "847150", "852691", "901410", "281820", "8542", "848210"]
RU = [
    "OOO Tekhnopark",
    "AO Radiokomponent",
    "OOO Mikrosistemy",
    "OOO Elektronnye Resheniya",
    "AO Pribor",
    "OOO Logistik Plus",
    "OOO Vostok Torg",
    "AO Signal",
    "OOO Sever Elektro",
    "OOO Kvant",
]


def generate(path: Path, rows: int, seed: int = 5) -> None:
    """Write a synthetic shipments CSV in the importer's own columns."""
    from synthetic import entity_names

    rng = random.Random(seed)
    exporters = [(names[0][0], country) for kind, country, names in (entity_names(rng) for _ in range(20_000)) if kind == "company"]
    importers = [f"{base} {i}" for i in range(500) for base in RU]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["date", "exporter", "exporter_country", "importer", "importer_country", "hs_code", "goods_description", "value", "quantity", "weight"]
        )
        for _ in range(rows):
            name, country = rng.choice(exporters)
            out.writerow(
                [
                    f"20{rng.randint(21, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    name,
                    "Hong Kong" if country == "HK" else "China",
                    rng.choice(importers),
                    "Russia",
                    rng.choice(HS),
                    "electronic components",
                    round(rng.uniform(100, 90_000), 2),
                    rng.randint(1, 5000),
                    round(rng.uniform(0.1, 500), 1),
                ]
            )


def generate_ftm(path: Path, entities: int, seed: int = 11) -> None:
    """Write a synthetic FollowTheMoney file of about ``entities`` entities (parties with sanctions, addresses, links)."""
    from synthetic import entity_names

    rng = random.Random(seed)
    authorities = [
        "Office of Foreign Assets Control",
        "Bureau of Industry and Security",
        "European Union",
        "Office of Financial Sanctions Implementation",
        "Department of Foreign Affairs and Trade",
    ]
    written = party = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < entities:
            party += 1
            kind, country, names = entity_names(rng)
            pid = f"syn-{party}"
            props = {"name": [names[0][0]], "alias": [n for n, _ in names[1:]], "country": [country.lower()], "topics": ["sanction"]}
            lines = [
                {
                    "id": f"{pid}-sanction",
                    "schema": "Sanction",
                    "datasets": ["synthetic"],
                    "properties": {
                        "entity": [pid],
                        "authority": [rng.choice(authorities)],
                        "program": ["SYNTHETIC"],
                        "startDate": [f"20{rng.randint(14, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"],
                    },
                }
            ]
            if party % 2:
                props["addressEntity"] = [f"{pid}-addr"]
                lines.append(
                    {
                        "id": f"{pid}-addr",
                        "schema": "Address",
                        "datasets": ["synthetic"],
                        "properties": {"full": [f"{rng.randint(1, 999)} Synthetic Road, {country}"], "country": [country.lower()]},
                    }
                )
            if party % 10 == 0:
                lines.append(
                    {
                        "id": f"{pid}-own",
                        "schema": "Ownership",
                        "datasets": ["synthetic"],
                        "properties": {"owner": [f"syn-{party - 1}"], "asset": [pid], "percentage": ["51"]},
                    }
                )
            lines.insert(0, {"id": pid, "schema": "Person" if kind == "person" else "Company", "datasets": ["synthetic"], "properties": props})
            for line in lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += len(lines)


def measure_ftm(store: Path, path: Path) -> dict:
    from watchlist.store import connect, importers, seed

    db = connect(store)
    seed.mark_empty(db)
    started = time.perf_counter()
    report = importers.import_file(db, path)
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": _peak_mb(),
        "added": report.added,
        "rows": report.rows_read,
        "rejected": len(report.rejects),
    }


def generate_csl(path: Path, rows: int, seed: int = 13) -> None:
    """A Consolidated Screening List CSV of synthetic Entity List rows (names from synthetic.py; nothing real)."""
    from synthetic import CITIES, entity_names

    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["_id", "source", "entity_number", "type", "programs", "name", "title", "addresses", "federal_register_notice",
                      "start_date", "end_date", "standard_order", "license_requirement", "license_policy", "call_sign", "vessel_type",
                      "gross_tonnage", "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
                      "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids"])  # fmt: skip
        for i in range(rows):
            _kind, country, names = entity_names(rng)
            _, city = rng.choice(CITIES)
            road = rng.choice(("Nathan", "Hennessy", "Shennan", "Huaqiang"))
            address = f"Room {rng.randint(100, 2999)}, {rng.randint(1, 300)} {road} Road, {city}, {country}"
            out.writerow([f"bench-{i}", "Entity List (EL) - Bureau of Industry and Security", "", "Entity", "", names[0][0], "", address,
                          f"{rng.randint(80, 90)} FR {rng.randint(1000, 99999)}", f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                          "", "", "For all items subject to the EAR.", "Presumption of denial.", "", "", "", "", "", "", "", "",
                          "; ".join(n for n, _ in names[1:]), "", "", "", "", "", ""])  # fmt: skip


def measure_csl(store: Path, path: Path) -> dict:
    from watchlist.store import connect, importers

    db = connect(store)
    started = time.perf_counter()
    report = importers.import_file(db, path, "csl", as_of="2026-11-30", snapshot=False)
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": _peak_mb(),
        "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,  # the processes folding names' keys
        "added": report.added,
        "rejected": len(report.rejects),
    }


def measure_csl_floor(path: Path, tmp: Path) -> dict:
    conn = sqlite3.connect(tmp / "floor.db")
    conn.execute("DROP TABLE IF EXISTS c")
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        conn.execute(f"CREATE TABLE c ({', '.join(f'c{i}' for i in range(len(header)))})")
        conn.executemany(f"INSERT INTO c VALUES ({', '.join('?' * len(header))})", reader)
    conn.commit()
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def measure_ftm_floor(path: Path) -> dict:
    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            json.loads(line)
            count += 1
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "rows": count}


def _step(store: Path, data: Path, keep: Path, name: str) -> dict:
    """Run one measured step in a fresh process (its own peak memory) and read the JSON it prints."""
    out = subprocess.run(
        [sys.executable, __file__, "--db", str(store), "--csv", str(data), "--keep", str(keep), "--step", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(store: Path, csv_path: Path) -> dict:
    from watchlist.store import connect, importers

    db = connect(store)
    started = time.perf_counter()
    report = importers.import_file(db, csv_path, "shipments")
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "added": report.added, "rejected": len(report.rejects)}


def measure_floor(csv_path: Path, tmp: Path) -> dict:
    conn = sqlite3.connect(tmp / "floor.db")
    conn.execute("CREATE TABLE s (date, exporter, exporter_country, importer, importer_country, hs_code, goods, value, quantity, weight)")
    started = time.perf_counter()
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.executemany("INSERT INTO s VALUES (?,?,?,?,?,?,?,?,?,?)", reader)
    conn.commit()
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def measure_links(store: Path) -> dict:
    from watchlist.store import connect, links

    started = time.perf_counter()
    counts = links.propose(connect(store))
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a store built from seed/ (copied, never changed): the shipments run")
    parser.add_argument("--ftm", type=int, metavar="ENTITIES", help="the FollowTheMoney run: a file of this many entities")
    parser.add_argument("--csl", type=int, metavar="ROWS", help="the list run: a CSL file of this many rows into a copy of --db")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/watchlist-bench"))
    parser.add_argument("--step", choices=["import", "floor", "links", "ftm", "ftm-floor", "csl", "csl-floor"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = {
            "import": lambda: measure_import(args.db, args.csv),
            "floor": lambda: measure_floor(args.csv, args.keep),
            "links": lambda: measure_links(args.db),
            "ftm": lambda: measure_ftm(args.db, args.csv),
            "ftm-floor": lambda: measure_ftm_floor(args.csv),
            "csl": lambda: measure_csl(args.db, args.csv),
            "csl-floor": lambda: measure_csl_floor(args.csv, args.keep),
        }[args.step]()
        print(json.dumps(result))
        return
    args.keep.mkdir(parents=True, exist_ok=True)
    if args.ftm:
        bench_ftm(args.ftm, args.keep)
        return
    if args.db is None:
        parser.error("--db SEED_STORE is needed for the shipments and list runs (or --ftm N)")
    if args.csl:
        bench_csl(args.csl, args.db, args.keep)
        return
    csv_path = args.keep / f"shipments-{args.rows}.csv"
    if not csv_path.exists():
        print(f"generating {csv_path} …", file=sys.stderr)
        generate(csv_path, args.rows)
    store = args.keep / "import-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    (args.keep / "floor.db").unlink(missing_ok=True)
    src, dst = sqlite3.connect(args.db), sqlite3.connect(store)
    src.backup(dst)
    src.close()
    dst.close()

    def step(name: str) -> dict:
        return _step(store, csv_path, args.keep, name)

    size = csv_path.stat().st_size / 1e6
    imp, floor, link = step("import"), step("floor"), step("links")
    print(f"{args.rows:,} shipments ({size:.0f} MB CSV)")
    print(f"  watchlist import   {imp['seconds']:6.1f} s  peak {imp['peak_mb']:5.0f} MB  ({imp['added']:,} added, {imp['rejected']} rejected)")
    print(f"  floor executemany  {floor['seconds']:6.1f} s  peak {floor['peak_mb']:5.0f} MB  (csv.reader → bare table, no checks)")
    print(
        f"  link proposals     {link['seconds']:6.1f} s  peak {link['peak_mb']:5.0f} MB  ({link['parties']:,} parties: "
        f"{link['exact']} exact, {link['proposed']} proposed)"
    )


def bench_csl(rows: int, seed_store: Path, keep: Path) -> None:
    """N list rows (CSL, Entity List) into a copy of the seed store, next to the floor: csv.reader + executemany."""
    path = keep / f"csl-{rows}.csv"
    if not path.exists():
        print(f"generating {path} …", file=sys.stderr)
        generate_csl(path, rows)
    store = keep / "csl-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(seed_store), sqlite3.connect(store)
    src.backup(dst)
    src.close()
    dst.close()

    def step(name: str) -> dict:
        return _step(store, path, keep, name)

    imp, floor = step("csl"), step("csl-floor")
    print(f"{rows:,} list rows (CSL, {path.stat().st_size / 1e6:.0f} MB) into the seed store")
    added = f"{imp['added']:,} added, {imp['rejected']} rejected; resolution included"
    print(f"  watchlist import   {imp['seconds']:6.1f} s  peak {imp['peak_mb']:5.0f} MB  ({added})")
    print(f"  (its largest key worker: peak {imp['worker_mb']:5.0f} MB)")
    print(f"  floor executemany  {floor['seconds']:6.1f} s  peak {floor['peak_mb']:5.0f} MB  (csv.reader → bare table, no checks)")
    print(f"  ratio              {imp['seconds'] / floor['seconds']:6.1f} x")


def bench_ftm(entities: int, keep: Path) -> None:
    path = keep / f"entities-{entities}.ftm.json"
    if not path.exists():
        print(f"generating {path} …", file=sys.stderr)
        generate_ftm(path, entities)
    store = keep / "ftm-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)

    def step(name: str) -> dict:
        return _step(store, path, keep, name)

    imp, floor = step("ftm"), step("ftm-floor")
    print(f"{floor['rows']:,} FollowTheMoney entities ({path.stat().st_size / 1e6:.0f} MB)")
    print(
        f"  watchlist import   {imp['seconds']:6.1f} s  peak {imp['peak_mb']:5.0f} MB  ({imp['added']:,} listings and records added, "
        f"{imp['rejected']} rejected)"
    )
    print(f"  floor json.loads   {floor['seconds']:6.1f} s  peak {floor['peak_mb']:5.0f} MB")


if __name__ == "__main__":
    main()
