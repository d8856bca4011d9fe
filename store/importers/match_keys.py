"""The match keys an import stores with each name and address, computed beside it in worker processes when it is large.

Folding a name (its Latin key, its core, the identity forms resolution compares) is the largest cost of writing new
records: half of a 100,000-row list import. An import of many records hands them to worker processes, one per core,
a batch at a time, and goes on matching and writing meanwhile (:class:`KeyWorkers`); a small one computes them in
process, where starting processes would cost more than it saves. Either way the keys are the same functions'.

A worker is ``python -m watchlist.store.importers.match_keys``: a plain child process reading batches on its standard
input and writing their keys on its output. Not ``multiprocessing``: its workers would run the caller's ``__main__``
again (a script without a main guard would start over), or be forked from a process holding store connections and
threads.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import subprocess
import sys
from dataclasses import dataclass
from typing import IO

from ..normalize import analyze
from ..resolve import identity_name

NameKey = tuple[str, str, str]  # latn, core, ident
Keys = tuple[list[NameKey], list[str]]  # of a batch's names, of its addresses
# Records an import must bring before its keys are computed in worker processes (starting them costs about 0.3 s).
PARALLEL_MIN = 5_000
_HEADER = struct.Struct("<Q")


def name_keys(name: str) -> NameKey:
    """The match keys stored with a name: folded Latin, its core, and the identity forms resolution compares."""
    keys = analyze(name)
    return keys.latn, keys.core, identity_name(name)


def address_key(address: str) -> str:
    """The key stored with an address (``norm``): its folded Latin form."""
    return analyze(address).latn


def compute(names: list[str], addresses: list[str]) -> Keys:
    """The keys of a batch of names and addresses, in their order."""
    return [name_keys(n) for n in names], [address_key(a) for a in addresses]


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class Batch:
    """A batch asked for: its strings, and the worker computing its keys (None: computed already, in ``keys``)."""

    names: list[str]
    addresses: list[str]
    worker: subprocess.Popen[bytes] | None = None
    keys: Keys | None = None


class KeyWorkers:
    """Computes batches of keys: in worker processes when ``parallel`` (one per core), else at once in this process.

    Each worker has one batch at a time; answers are read in the order batches were asked for (:meth:`result`). A
    worker that cannot start or dies leaves its batches to this process: the keys are the same, only slower.
    """

    def __init__(self, parallel: bool) -> None:
        self._workers: list[subprocess.Popen[bytes]] = []
        self._turn = 0
        if parallel and cores() > 1:
            for _ in range(cores()):
                try:
                    worker = subprocess.Popen(
                        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                    )
                except (OSError, ValueError, TypeError):  # no interpreter to start here (an embedded or frozen Python)
                    break
                self._workers.append(worker)
        self.workers = max(1, len(self._workers))  # batches that can be worked on at once

    @property
    def alive(self) -> int:
        """How many worker processes are running (0 in process): those that did not start or died leave their work here."""
        return sum(1 for worker in self._workers if worker.poll() is None)

    def submit(self, names: list[str], addresses: list[str]) -> Batch:
        """Ask for the keys of a batch (the caller has read the answers of all but ``workers - 1`` earlier batches)."""
        if self._workers:
            worker = self._workers[self._turn % len(self._workers)]
            self._turn += 1
            try:
                _write(worker.stdin, (names, addresses))
                return Batch(names, addresses, worker)
            except (OSError, ValueError):  # the worker died: its batches are done here
                pass
        return Batch(names, addresses, keys=compute(names, addresses))

    def result(self, batch: Batch) -> Keys:
        """A batch's keys, waiting for its worker if need be."""
        if batch.keys is None:
            try:
                batch.keys = _read(batch.worker.stdout if batch.worker else None)
            except (OSError, EOFError, ValueError, pickle.UnpicklingError):
                batch.keys = compute(batch.names, batch.addresses)
        return batch.keys

    def close(self) -> None:
        """End the workers: each stops at the end of its input."""
        workers, self._workers, self.workers = self._workers, [], 1
        for worker in workers:
            for pipe in (worker.stdin, worker.stdout):
                if pipe is not None:
                    pipe.close()
        for worker in workers:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    def __enter__(self) -> KeyWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write(pipe: IO[bytes] | None, value: object) -> None:
    if pipe is None:
        raise OSError("no pipe to the worker")
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(_HEADER.pack(len(data)) + data)
    pipe.flush()


def _read(pipe: IO[bytes] | None) -> Keys:
    if pipe is None:
        raise OSError("no pipe from the worker")
    header = pipe.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the worker ended")
    (size,) = _HEADER.unpack(header)
    data = pipe.read(size)
    if len(data) < size:
        raise EOFError("the worker ended")
    keys: Keys = pickle.loads(data)  # our own worker's answer
    return keys


def serve() -> None:
    """A worker: read batches on standard input until it ends, write each one's keys on standard output."""
    gc.disable()  # it only folds strings: nothing cyclic to collect, and its caches grow for the whole import
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the answers
    requests = sys.stdin.buffer
    while header := requests.read(_HEADER.size):
        (size,) = _HEADER.unpack(header)
        names, addresses = pickle.loads(requests.read(size))  # from the import that started us
        _write(answers, compute(names, addresses))


if __name__ == "__main__":
    serve()
