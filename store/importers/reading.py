"""Reading input files: gzip, encodings, CSV rows with their line numbers."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import os
import re
import stat
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, overload
from xml.parsers import expat

from ..errors import ImportFailed
from .records import ImportReport, Reject

EOF_BYTE = "\x1a"  # DOS end-of-file marker that ends OFAC's legacy CSVs


MAX_INPUT = int(os.environ.get("WATCHLIST_MAX_INPUT") or 2 << 30)  # bytes of one input file, or of it decompressed
MAX_RATIO = 100  # a gzip may expand this many times (and past 256 MiB only within it): a zip bomb is refused
MAX_FIELD = 1 << 20  # one CSV field (a name, a remark): a longer one is a CSV error with its line
csv.field_size_limit(MAX_FIELD)


def read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it is gzip; refused in one line past :data:`MAX_INPUT` or :data:`MAX_RATIO`."""
    with open_input(path) as f:
        return f.read()


def spool(source: str | Path, folder: Path) -> Path:
    """Read a stream once (``-`` for stdin, a FIFO, ``<(…)``) into a file in ``folder``, bounded by :data:`MAX_INPUT`."""
    name = "stdin" if str(source) == "-" else Path(source).name or "input"
    out = folder / name
    try:
        reader = sys.stdin.buffer if str(source) == "-" else open(source, "rb")  # noqa: SIM115  (an input stream, never the store)
        try:
            with out.open("wb") as f:
                total = 0
                while chunk := reader.read(1 << 20):
                    if total == 0 and not chunk.strip(b"\0"):
                        raise ImportFailed(f"{source}: starts with NUL bytes only; not a text file")
                    total += len(chunk)
                    if total > MAX_INPUT:
                        raise ImportFailed(f"{source}: over the {MAX_INPUT:,}-byte limit of one input (WATCHLIST_MAX_INPUT)")
                    f.write(chunk)
        finally:
            if reader is not sys.stdin.buffer:
                reader.close()
    except OSError as exc:
        raise ImportFailed(f"{source}: cannot read ({exc.strerror})") from None
    return out


def is_stream(path: Path) -> bool:
    """True for ``-`` and for what can be read only once (a FIFO, a pipe, a character device)."""
    if str(path) == "-":
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def content_hash(paths: list[Path]) -> str:
    """SHA-256 over the bytes of the files an import reads (a gzip's content), read in a stream."""
    digest = hashlib.sha256()
    for path in paths:
        with open_input(path) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


class _Bounded(io.RawIOBase):
    """A binary stream (a file, or a gzip's or a zip's content) that fails in one line past its size limit or where it is broken."""

    def __init__(self, path: Path, inner: io.BufferedIOBase, limit: int, packed: int | None) -> None:
        self.path, self.inner, self.limit, self.packed, self.total = path, inner, limit, packed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(len(buffer))
        except EOFError:
            raise ImportFailed(f"{self.path}: broken gzip file (it ends before its data does)") from None
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:
            what = "broken compressed file" if self.packed is not None else "cannot read"
            raise ImportFailed(f"{self.path}: {what} ({getattr(exc, 'strerror', None) or exc})") from None
        self.total += len(data)
        if self.total > self.limit:
            if self.packed is not None:
                raise ImportFailed(
                    f"{self.path}: decompresses to over {self.limit:,} bytes ({self.total // max(1, self.packed):,}× its "
                    "size); refused as a likely zip bomb (WATCHLIST_MAX_INPUT raises the limit)"
                )
            raise ImportFailed(f"{self.path}: over the {MAX_INPUT:,}-byte limit of one input (WATCHLIST_MAX_INPUT)")
        buffer[: len(data)] = data
        return len(data)


@contextlib.contextmanager
def open_input(path: Path) -> Iterator[io.BufferedReader]:
    """An input file as a binary stream, gunzipped when it is gzip (any number of members), never the store.

    Refused in one line: not a regular file, over :data:`MAX_INPUT` bytes (or, gunzipped, over :data:`MAX_RATIO` times its
    size past 256 MiB), broken gzip.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImportFailed(
                f"{path}: not a regular file (a pipe or a device); the watchlist command reads such input once: watchlist import - < FILE"
            )
        if info.st_size > MAX_INPUT:
            raise ImportFailed(f"{path}: {info.st_size:,} bytes, over the {MAX_INPUT:,}-byte limit of one input (WATCHLIST_MAX_INPUT)")
        raw = path.open("rb")  # an input file, never the store; closed by the with below
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror})") from None
    with raw:
        magic = raw.read(4)
        raw.seek(0)
        gzipped = magic[:2] == b"\x1f\x8b"
        inner: Any = gzip.GzipFile(fileobj=raw) if gzipped else raw
        if magic == b"PK\x03\x04" and (member := _lone_xml(path, raw)) is not None:
            inner, gzipped = member, True  # OFAC publishes its XML as a zip of one file: read that file, bounded the same way
        limit = min(MAX_INPUT, max(256 << 20, MAX_RATIO * info.st_size)) if gzipped else MAX_INPUT
        yield io.BufferedReader(_Bounded(path, inner, limit, info.st_size if gzipped else None), 1 << 20)


def _lone_xml(path: Path, raw: io.BufferedReader) -> Any:
    """The one XML file a zip holds, open for reading; None for any other zip (a workbook is a zip of many files)."""
    try:
        archive = zipfile.ZipFile(raw)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) == 1 and members[0].filename.lower().endswith(".xml"):
            return archive.open(members[0])
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        raise ImportFailed(f"{path}: broken zip file ({exc})") from None
    raw.seek(0)
    return None


class XmlRecords:
    """The elements of an XML file that stand for records, each built whole with the line its start tag is on (expat, streamed).

    ``tags``: the element names read as records, at the second or third level (``<ENTITY>`` in ``<ENTITIES>``). The
    root's name and attributes are in ``root`` once reading starts. No DTD is accepted, so no entity is expanded or fetched.
    """

    def __init__(self, path: Path, root: str, tags: set[str]) -> None:
        self.path, self.root_tag, self.tags = path, root, tags
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._data
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.builder: ET.TreeBuilder | None = None
        self.depth = self.record_depth = self.line = 0
        self.root: tuple[str, dict[str, str]] | None = None
        self.done: list[tuple[ET.Element, int]] = []

    def _doctype(self, *_: object) -> None:
        raise ImportFailed(f"{self.path}:{self.parser.CurrentLineNumber}: a DOCTYPE declaration: refused (list files have none)")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.root is None:
            self.root = (tag, attrs)
            if tag != self.root_tag:
                raise ImportFailed(f"{self.path}:{self.parser.CurrentLineNumber}: <{tag}> where <{self.root_tag}> was expected: not this format")
        if self.builder is None and tag in self.tags and self.depth in (2, 3):
            self.builder, self.line, self.record_depth = ET.TreeBuilder(), self.parser.CurrentLineNumber, self.depth
        if self.builder is not None:
            self.builder.start(tag, attrs)

    def _end(self, tag: str) -> None:
        if self.builder is not None:
            self.builder.end(tag)
            if self.depth == self.record_depth:
                self.done.append((self.builder.close(), self.line))
                self.builder = None
        self.depth -= 1

    def _data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def __iter__(self) -> Iterator[tuple[ET.Element, int]]:
        with open_input(self.path) as stream:
            try:
                for chunk in iter(lambda: stream.read(1 << 16), b""):
                    self.parser.Parse(chunk, False)
                    yield from self.done
                    self.done.clear()
                self.parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise ImportFailed(f"{self.path}:{exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)})") from None
            yield from self.done
            self.done.clear()
        if self.root is None:
            raise ImportFailed(f"{self.path}:1: empty: no <{self.root_tag}>")


def xml_text(node: ET.Element | None, path: str) -> str:
    """The text at ``path`` under ``node``, spaces folded ("" when absent)."""
    found = node.find(path) if node is not None else None
    return " ".join((found.text or "").split()) if found is not None else ""


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 file read in a stream (bounded memory, gzip or not); one line naming a bad byte."""
    with open_input(path) as f:
        for number, raw in enumerate(f, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFailed(f"{path}:{number}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None


GB18030_BOM = b"\x84\x31\x95\x33"


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the text is plainly UTF-16 without a BOM (every other byte NUL in ASCII text)."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


ENCODING: dict[str, str | None] = {"name": None}  # --encoding: how to read input text when it is not UTF-8
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def decode(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (with a BOM, or plainly without), GB18030 with its BOM, or ``--encoding``.

    Anything else that is not UTF-8 is refused with the line of the first bad byte and the encoding it likely is.
    """
    if name := ENCODING["name"]:
        try:
            return data.decode(name)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ImportFailed(f"{path}:{line}: not valid {name} text (byte 0x{data[exc.start]:02x}); {_likely(data)}") from None
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        if data[:4] == GB18030_BOM:
            return data[4:].decode("gb18030")
        if encoding := _utf16_without_bom(data):
            return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not valid {exc.encoding} text at byte {exc.start}; save the file as UTF-8 and import again") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailed(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); {_likely(data)}") from None


def _likely(data: bytes) -> str:
    """Which encoding a non-UTF-8 text most likely is, as advice: Chinese text reads as GB18030, the rest as Windows-1252."""
    try:
        text = data.decode("gb18030")
        if sum("\u4e00" <= c <= "\u9fff" for c in text) > 0.2 * sum(ord(c) > 127 for c in text):
            return "it reads as Chinese GB18030: pass --encoding gb18030 (or save it as UTF-8)"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "it reads as Windows-1252 (Excel's Western default): pass --encoding cp1252 (or save it as UTF-8)"
    except UnicodeDecodeError:
        return "pass --encoding NAME (for example latin-1), or save it as UTF-8"


def spreadsheet_text(path: Path) -> str:
    """The first sheet of an .xlsx/.xls/.ods workbook as CSV text (one row per line, so lines are row numbers)."""
    from python_calamine import CalamineWorkbook

    try:
        with path.open("rb") as f:  # an input file, never the store
            book = CalamineWorkbook.from_filelike(f)
            rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own error types: a damaged or password-protected workbook
        raise ImportFailed(f"{path}: cannot read the workbook ({type(exc).__name__}: {str(exc)[:200]})") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", " ").replace("\n", " ")


def is_spreadsheet(path: Path, data: bytes) -> bool:
    """A workbook by its name and its first bytes (zip for .xlsx/.ods, OLE for .xls)."""
    return path.suffix.lower() in SPREADSHEET_SUFFIXES and data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def read_text(path: Path) -> str:
    """The file as text (a workbook's first sheet as CSV), with the trailing DOS EOF byte dropped."""
    data = read_bytes(path)
    text = spreadsheet_text(path) if is_spreadsheet(path, data) else decode(path, data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFailed(f"{path}:{line}: file contains NUL bytes; not a text file")
    return text.rstrip().rstrip(EOF_BYTE).rstrip() + "\n" if text.strip() else ""


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> Iterator[str]:
    """A text's lines, each with its end (``\n``, ``\r\n`` or ``\r``), as ``csv.reader`` reads them: the lines of
    ``io.StringIO(text, newline="")``, without its copy of the text at four bytes a character (113 MB for a 29 MB file)."""
    return (m.group(0) for m in _LINE.finditer(text))


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a CSV-like header line: ``,`` ``;`` tab or ``|``, whichever splits it most (``,`` on a tie)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


@overload
def csv_rows(path: Path, *, header: Literal[True] = True, lines: Iterable[str] | None = None) -> Iterator[tuple[int, dict[str, str]]]: ...
@overload
def csv_rows(path: Path, *, header: Literal[False], lines: Iterable[str] | None = None) -> Iterator[tuple[int, list[str]]]: ...
def csv_rows(path: Path, *, header: bool = True, lines: Iterable[str] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (line, row) for each record; rows are dicts when the file has a header.

    ``lines``: the file's lines as :func:`text_lines` streams them (comma-separated), instead of reading it whole.
    """
    if lines is None:
        text = read_text(path)
        if not text:
            raise ImportFailed(f"{path}: file is empty")
        lines = split_lines(text)
        delimiter = sniff_delimiter(text.split("\n", 1)[0]) if header else ","
    else:
        delimiter = ","
    reader = csv.reader(lines, delimiter=delimiter)
    names: list[str] | None = None
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if header and names is None:
                names = [c.strip() for c in row]
                continue
            if names is None:
                yield line, row
            else:
                yield line, dict(zip(names, row + [""] * (len(names) - len(row)), strict=False))
    except csv.Error as exc:
        raise ImportFailed(f"{path}:{start}: CSV error ({exc})") from None
    if header and names is None:
        raise ImportFailed(f"{path}: file is empty")


def require_columns(path: Path, have: list[str] | dict, need: list[str]) -> None:
    """Fail with one line when required columns are missing."""
    missing = [c for c in need if c not in have]
    if missing:
        raise ImportFailed(f"{path}:1: missing column(s) {', '.join(missing)}")


def split_multi(value: str, sep: str = "; ") -> list[str]:
    """Split a CSL multi-valued field."""
    return [v.strip() for v in value.split(sep) if v.strip()] if value else []


def json_lines(path: Path, text: str | Iterable[tuple[int, str]]) -> Iterator[tuple[int, object]]:
    """(line, value) for each non-empty line of a JSON-lines text (or of numbered lines, as :func:`text_lines` streams
    them); one line naming file and line if one is broken."""
    numbered = enumerate(text.splitlines(), 1) if isinstance(text, str) else text
    for number, raw in numbered:
        if raw.strip():
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ImportFailed(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise ImportFailed(f"{path}:{number}: JSON nested too deeply") from None
            yield number, value


MAX_ITEM = 400  # a remark item longer than this is prose, not an identifier or a "Linked To" name: no pattern runs on it


def linked_to(remarks: str, ends: str = ";") -> list[str]:
    """The names after "Linked To:" in a remark, each up to the next of ``ends`` (no regex: time-safe on any input)."""
    items = [remarks]
    for end in ends:
        items = [part for item in items for part in item.split(end)]
    out = []
    for item in items:
        if "Linked To:" in item and len(item) <= MAX_ITEM:
            name = item.split("Linked To:", 1)[1].strip().rstrip(".").strip()
            if name:
                out.append(name)
    return out


def plausible_date(text: str) -> bool:
    """True for a real ISO date (YYYY-MM-DD) between 1900 and a year from now: what a listing or snapshot date can be."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return dt.date(1900, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=366)


def number(line: int, field: str, text: str | None, report: ImportReport, *, signed: bool = False, required: bool = True) -> float | None:
    """A number as files write it ("1,234.5"); None when empty and optional, or when bad: then a reject names the line and field."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        if required:
            report.rejects.append(Reject(line, field, "missing"))
        return None
    try:
        value = float(cleaned)
    except ValueError:
        report.rejects.append(Reject(line, field, f"not a number: {text!r}"))
        return None
    if not math.isfinite(value) or (value < 0 and not signed):
        report.rejects.append(Reject(line, field, f"{'negative value' if value < 0 else 'not a number'}: {text!r}"))
        return None
    return value
