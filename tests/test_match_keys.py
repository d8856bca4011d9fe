"""Match keys computed in worker processes: the same keys as in process, whatever happens to the workers."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from watchlist.store.importers.match_keys import KeyWorkers, compute


def _stored(seed_db_path: Path) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    conn = sqlite3.connect(f"file:{seed_db_path}?mode=ro", uri=True)
    try:
        names = conn.execute("SELECT name, latn, core, ident FROM names ORDER BY id").fetchall()
        addresses = conn.execute("SELECT address, norm FROM addresses ORDER BY id").fetchall()
    finally:
        conn.close()
    return names, addresses


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_workers_give_every_seed_name_and_address_the_keys_stored_at_import(seed_db_path: Path):
    """Every name and address of the seed (Chinese, Cyrillic, Arabic, Latin) through the workers, in batches as an
    import sends them: the keys equal those the store holds."""
    names, addresses = _stored(seed_db_path)
    name_batches = _batches([n for n, *_ in names], 4_000)
    address_batches = _batches([a for a, _ in addresses], 4_000)
    address_batches += [[]] * (len(name_batches) - len(address_batches))
    with KeyWorkers(parallel=True) as workers:
        assert workers.workers == len(os.sched_getaffinity(0))
        got_names: list[tuple[str, str, str]] = []
        got_addresses: list[str] = []
        out = []
        for n, a in zip(name_batches, address_batches, strict=True):
            while len(out) >= workers.workers:
                keys = workers.result(out.pop(0))
                got_names += keys[0]
                got_addresses += keys[1]
            out.append(workers.submit(n, a))
        for batch in out:
            keys = workers.result(batch)
            got_names += keys[0]
            got_addresses += keys[1]
        # the workers answered (none died, leaving the keys to this process); one core starts none
        assert workers.alive == (workers.workers if workers.workers > 1 else 0)
    # the stored keys were computed in this process for the seed's small files, by workers for its large ones
    assert got_names == [tuple(rest) for _, *rest in names]
    assert got_addresses == [norm for _, norm in addresses]


def test_a_worker_that_dies_leaves_its_batches_to_the_import(seed_db_path: Path):
    """A worker killed with a batch in hand (out of memory, a signal): that batch and the later ones are computed in
    process, with the same keys, and closing does not hang."""
    names, _ = _stored(seed_db_path)
    batches = _batches([n for n, *_ in names][:6_000], 1_000)
    with KeyWorkers(parallel=True) as workers:
        first = workers.submit(batches[0], [])
        for proc in workers._workers:  # the test kills them
            proc.kill()
            proc.wait()
        rest = [workers.submit(b, []) for b in batches[1:]]
        got = [key for batch in (first, *rest) for key in workers.result(batch)[0]]
    assert got == [tuple(rest) for _, *rest in names[:6_000]]


def test_a_small_import_starts_no_worker():
    with KeyWorkers(parallel=False) as workers:
        assert workers.workers == 1
        batch = workers.submit(["Sinno Electronics Co., Limited", "深圳市中微子电子有限公司"], ["Room 1, Kowloon, Hong Kong"])
        assert batch.worker is None
        assert workers.result(batch) == compute(["Sinno Electronics Co., Limited", "深圳市中微子电子有限公司"], ["Room 1, Kowloon, Hong Kong"])


def test_workers_that_cannot_start_leave_the_keys_to_this_process(monkeypatch, tmp_path: Path):
    """No interpreter to start (an embedded or frozen Python): the import folds its names itself, the same keys."""
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-such-python"))
    names = ["Sinno Electronics Co., Limited", "ООО Радиокомпонент", "深圳市中微子电子有限公司"]
    with KeyWorkers(parallel=True) as workers:
        assert workers.workers == 1 and workers.alive == 0
        assert workers.result(workers.submit(names, [])) == compute(names, [])


def test_an_import_given_workers_uses_them_and_leaves_them_open(seed_db_copy: Path, monkeypatch):
    """A caller's workers (a seed build keeps one set over all its files) fold the file's names; the import starts none
    of its own, whatever the file's size, and leaves them open for the next file."""
    from watchlist.store import connect, importers

    monkeypatch.setattr(importers, "PARALLEL_MIN", 1)  # a file this small would start its own workers
    started: list[bool] = []
    monkeypatch.setattr(importers, "KeyWorkers", lambda parallel: started.append(parallel) or KeyWorkers(parallel=False))
    asked: list[int] = []
    with KeyWorkers(parallel=False) as keys:
        submit = keys.submit
        monkeypatch.setattr(keys, "submit", lambda names, addresses: asked.append(len(names)) or submit(names, addresses))
        data = Path(__file__).parent / "data" / "eu" / "eu_fsf_sample.xml"
        report = importers.import_file(connect(seed_db_copy), data, keys=keys)
        assert report.added and sum(asked) >= report.added and started == []
        assert keys.workers == 1 and keys.result(keys.submit(["Sinno Electronics"], [])) == compute(["Sinno Electronics"], [])
    importers.import_file(connect(seed_db_copy), data, force=True)  # without: the import starts its own
    assert started == [True]
