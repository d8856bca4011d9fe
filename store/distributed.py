"""Screening past one machine: input partitions (CSV, TSV, JSON lines or Parquet files) screened on a Dask cluster.

The client makes sure the store's saved search index is current, then sends one task per partition. Each worker
process loads that index once (from the store's folder, which every worker must reach at the same path: a shared
disk on a real cluster) and screens its partitions with the same engine as ``watchlist screen`` on one machine. Each
task writes its partition's results beside the others (``OUT/<partition>.screened.csv``, or ``.parquet`` for Parquet
input), and the rows with a potential match or rejected, as the run keeps them, to a hidden file beside them
(``OUT/.<partition>.screened.csv.kept.jsonl``); it sends back only counts and its timing. The client writes
``OUT/summary.json`` and keeps the run for triage like any other: those files' rows, read into the store in partition
order as they are inserted (10M rows with 5M potential matches held in memory took 12 GB), then deleted.

Dask (``dask[distributed]``) and pyarrow are an optional extra: ``pip install 'watchlist[dask]'``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import connect
from .errors import StoreError, first_line
from .export import write_whole
from .importers.reading import ENCODING
from .index_file import fingerprint, open_index
from .screening import (
    THRESHOLD,
    Result,
    ScreenFailed,
    StoredRow,
    file_hash,
    out_row,
    prepare,
    read_rows,
    rejected,
    result_chunks,
    save_rows,
    screen_rows,
    stored_row,
    summary,
)
from .search import SearchIndex

PARTITION_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet")
LOCAL = "local"  # --scheduler local: a LocalCluster of --workers processes on this machine
_INDEXES: dict[tuple[str, str], SearchIndex] = {}  # per worker process: the store's index (by its fingerprint), loaded once


@dataclass
class PartitionDone:
    """What a task sends back: counts and timing; its rows are in its output file, those worth triage in ``kept``."""

    partition: str
    out: str
    lines: int  # the partition's last line (line numbers of the run continue from it)
    digest: str
    totals: dict[str, Any]
    kept: str | None  # the file of the rows worth triage, as the run keeps them (None: the run is not kept)
    seconds: float
    worker: str


@dataclass
class DistributedRun:
    """A finished distributed screening: totals over every partition, the run kept for triage, per-worker figures."""

    totals: dict[str, Any]
    run_id: int | None
    partitions: list[PartitionDone]
    seconds: float
    workers: dict[str, dict[str, float]] = field(default_factory=dict)


def partitions(source: Path) -> list[Path]:
    """The partitions of ``source``: the file itself, or a folder's files of a known kind, by name."""
    if source.is_dir():
        found = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in PARTITION_SUFFIXES and not p.name.startswith("."))
        if not found:
            raise ScreenFailed(f"{source}: no partitions in this folder (files ending {', '.join(PARTITION_SUFFIXES)})")
        return found
    if not source.is_file():
        raise ScreenFailed(f"{source}: no such file or folder")
    return [source]


@contextmanager
def cluster(scheduler: str, workers: int) -> Iterator[Any]:
    """A Dask client for the length of a ``with``: closed after, and the LocalCluster it started (``local``) with it."""
    client = connect_cluster(scheduler, workers)
    try:
        yield client
    finally:
        client.close()
        if scheduler == LOCAL:
            client.cluster.close()


def connect_cluster(scheduler: str, workers: int) -> Any:
    """A Dask client: of the scheduler at ``scheduler`` (tcp://HOST:PORT), or of a new LocalCluster of ``workers``
    single-threaded processes when it is ``local``. One line when Dask is not installed or the scheduler is away."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise StoreError("distributed screening needs Dask: pip install 'watchlist[dask]'") from None
    try:
        if scheduler == LOCAL:  # a task's error comes back to the client as raised; the workers' own logs stay quiet
            with warnings.catch_warnings():  # another cluster on this machine holds Dask's port: it takes another, unsaid
                warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
            return Client(cluster)
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise StoreError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None


def screen_partitions(
    db: sqlite_utils.Database,
    store_path: Path,
    source: Path,
    out_dir: Path,
    client: Any,
    threshold: float = THRESHOLD,
    name_column: str | None = None,
    country_column: str | None = None,
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
    encoding: str | None = None,
) -> DistributedRun:
    """Screen every partition of ``source`` on ``client``'s cluster; results in ``out_dir``, the run kept (``save``)."""
    from dask.distributed import as_completed

    parts = partitions(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    open_index(db.conn)  # current and saved beside the store before any worker loads it
    stamp = fingerprint(db.conn)  # which index the workers must hold: one kept from an earlier run of another store state is loaded again
    started = time.perf_counter()
    futures = [
        client.submit(
            screen_partition,
            str(store_path),
            stamp,
            str(p),
            str(out_dir / _out_name(p)),
            threshold,
            name_column,
            country_column,
            encoding,
            save,
            key=f"screen-{i}-{p.name}",
            pure=False,
        )
        for i, p in enumerate(parts)
    ]
    done: dict[str, PartitionDone] = {}
    try:
        for future in as_completed(futures):
            try:
                result = future.result()  # a task's ScreenFailed comes back here as raised, naming its file and line
            except (ScreenFailed, StoreError):
                raise
            except Exception as exc:  # a worker that died, could not write, or lacks the store: one line, never a trace
                raise StoreError(f"{source}: a partition failed on the cluster ({type(exc).__name__}: {first_line(exc)})") from None
            done[result.partition] = result
            future.release()  # what the cluster held for it
            if progress:
                progress(len(done), len(parts))
        ordered = [done[str(p)] for p in parts]
        seconds = time.perf_counter() - started
        totals = merge_totals([d.totals for d in ordered])
        totals["partitions"] = len(ordered)
        totals["out"] = str(out_dir)
        run_id = save_rows(db, source, _renumbered(ordered), threshold, _digest(ordered), totals) if save else None
    finally:  # the rows to keep are in the store now, or the run failed: their files go either way
        client.cancel([f for f in futures if not f.done()])
        for p in parts:
            _kept_file(out_dir / _out_name(p)).unlink(missing_ok=True)
    run = DistributedRun(totals, run_id, ordered, seconds, _per_worker(ordered))
    write_whole(out_dir / "summary.json", [json.dumps(_summary(run), indent=2, ensure_ascii=False) + "\n"])
    return run


def screen_partition(
    store_path: str,
    stamp: str,
    partition: str,
    out: str,
    threshold: float,
    name_column: str | None,
    country_column: str | None,
    encoding: str | None = None,
    keep: bool = True,
) -> PartitionDone:
    """On a worker: screen one partition with the store's saved index (loaded once per process) and write its results,
    and (``keep``) the rows worth triage as the run keeps them. ``encoding``: the client's --encoding, for text
    partitions that are not UTF-8."""
    started = time.perf_counter()
    path = Path(partition)
    before, ENCODING["name"] = ENCODING["name"], encoding
    try:
        columns, rows, set_aside = read_rows(path, name_column, country_column)
    finally:
        ENCODING["name"] = before  # the process's own setting again (a worker's, or a caller's in this process)
    index = _worker_index(store_path, stamp)
    results = screen_rows(index, rows, threshold) if rows else []
    results += rejected(set_aside)
    results.sort(key=lambda r: r.row.line)
    _write(results, columns, Path(out))
    totals = summary(results)
    lines = max((r.row.line for r in results), default=1)
    kept = None
    if keep:
        for r in results:
            if r.status != "no match":
                r.row.fields = {"partition": path.name, "partition_line": str(r.row.line), **r.row.fields}
        kept = str(_kept_file(Path(out)))
        write_whole(Path(kept), (json.dumps(stored_row(r), ensure_ascii=False) + "\n" for r in results if r.status != "no match"))
    return PartitionDone(partition, out, lines, file_hash(path), totals, kept, time.perf_counter() - started, _worker_name())


def _kept_file(out: Path) -> Path:
    """Where a partition's rows worth triage wait for the client: hidden, beside its output."""
    return out.with_name(f".{out.name}.kept.jsonl")


def merge_totals(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The totals of several partitions' ``screening.summary`` as one."""
    by_list: Counter[str] = Counter()
    for p in parts:
        by_list.update(p["by_list"])
    return {
        "rows": sum(p["rows"] for p in parts),
        "potential_matches": sum(p["potential_matches"] for p in parts),
        "no_match": sum(p["no_match"] for p in parts),
        "rejected": sum(p["rejected"] for p in parts),
        "by_list": dict(by_list.most_common()),
        "unknown_countries": sorted({c for p in parts for c in p["unknown_countries"]}),
    }


def _worker_index(store_path: str, stamp: str) -> SearchIndex:
    """The store's saved index, loaded once in this process, and again when the client's ``stamp`` (the index
    fingerprint: data generation, last import, counts) says the store changed. A file's mtime would not: a write can
    stay in the WAL."""
    index = _INDEXES.get((store_path, stamp))
    if index is None:
        db = connect(Path(store_path), readonly=True)
        index = open_index(db.conn)
        prepare(index, many=True)  # a worker screens many rows: the postings and words of listed names only
        _INDEXES.clear()
        _INDEXES[(store_path, stamp)] = index
    return index


def _out_name(partition: Path) -> str:
    stem = partition.name[: -len(partition.suffix)] if partition.suffix else partition.name
    return f"{stem}.screened.parquet" if partition.suffix.lower() == ".parquet" else f"{stem}.screened.csv"


def _write(results: list[Result], columns: list[str], out: Path) -> None:
    """A partition's every row with its result: Parquet for Parquet input (pyarrow), else CSV; whole or not at all."""
    if out.suffix != ".parquet":
        write_whole(out, result_chunks(results, columns, "csv"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table: dict[str, list[Any]] = {"line": [r.row.line for r in results]}
    for c in columns:
        table[c] = [r.row.fields.get(c, "") for r in results]
    cells = [out_row(r) for r in results]
    for k in cells[0] if cells else ():  # a result field named as an input column gets a prefix (Parquet names are unique)
        table["screened_" + k if k in table else k] = [str(c[k]) for c in cells]
    partial = out.with_name(f".{out.name}.partial")
    pq.write_table(pa.table(table), partial)
    partial.replace(out)


def _renumbered(parts: list[PartitionDone]) -> Iterator[StoredRow]:
    """The kept rows of every partition, read from their files in order, with line numbers of the whole run (each
    partition's after the one before); the partition and its own line stay in the row's input."""
    offset = 0
    for part in parts:
        if part.kept:
            with Path(part.kept).open(encoding="utf-8") as rows:
                for text in rows:
                    row = json.loads(text)
                    yield (offset + row[0], *row[1:])
        offset += part.lines


def _digest(parts: list[PartitionDone]) -> str:
    """One digest of the partitions' digests, in order: which runs were of the same input."""
    return hashlib.sha256("".join(f"{Path(p.partition).name}:{p.digest}\n" for p in parts).encode()).hexdigest()


def _worker_name() -> str:
    try:
        from dask.distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def _per_worker(parts: list[PartitionDone]) -> dict[str, dict[str, float]]:
    """Rows, busy seconds and rows a second of each worker."""
    out: dict[str, dict[str, float]] = {}
    for p in parts:
        w = out.setdefault(p.worker, {"partitions": 0, "rows": 0, "seconds": 0.0})
        w["partitions"] += 1
        w["rows"] += p.totals["rows"]
        w["seconds"] += p.seconds
    for w in out.values():
        w["rows_per_second"] = round(w["rows"] / w["seconds"], 1) if w["seconds"] else 0.0
        w["seconds"] = round(w["seconds"], 2)
    return out


def _summary(run: DistributedRun) -> dict[str, Any]:
    return {
        **run.totals,
        "run_id": run.run_id,
        "seconds": round(run.seconds, 2),
        "rows_per_second": round(run.totals["rows"] / run.seconds, 1) if run.seconds else 0.0,
        "workers": run.workers,
        "partitions_done": [
            {
                "partition": Path(p.partition).name,
                "out": Path(p.out).name,
                "rows": p.totals["rows"],
                "potential_matches": p.totals["potential_matches"],
                "seconds": round(p.seconds, 2),
                "worker": p.worker,
            }
            for p in run.partitions
        ],
    }
