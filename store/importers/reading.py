"""Reading input files: gzip, encodings, CSV rows with their line numbers."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from ..errors import ImportFailed

csv.field_size_limit(64 * 1024 * 1024)

EOF_BYTE = "\x1a"  # DOS end-of-file marker that ends OFAC's legacy CSVs


def read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it is gzip."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ImportFailed(f"{path}: broken gzip file ({exc})") from None
    return data


def content_hash(paths: list[Path]) -> str:
    """SHA-256 over the raw bytes of the files an import reads."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(read_bytes(path))
    return digest.hexdigest()


GB18030_BOM = b"\x84\x31\x95\x33"


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the text is plainly UTF-16 without a BOM (every other byte NUL in ASCII text)."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (with a BOM, or plainly without) or GB18030 with its BOM.

    Anything else that is not UTF-8 is refused with the line of the first bad byte (GB18030 or GBK
    without a BOM cannot be told from other encodings with certainty, so it is named as a likely cause).
    """
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
        raise ImportFailed(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}; GB18030/GBK or Windows-1252?); "
                           "save the file as UTF-8 and import again") from None


def read_text(path: Path) -> str:
    """The file as text, with the trailing DOS EOF byte dropped."""
    text = decode(path, read_bytes(path))
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFailed(f"{path}:{line}: file contains NUL bytes; not a text file")
    return text.rstrip().rstrip(EOF_BYTE).rstrip() + "\n" if text.strip() else ""


def csv_rows(path: Path, *, header: bool = True) -> Iterator[tuple[int, dict[str, str] | list[str]]]:
    """Yield (line, row) for each record; rows are dicts when the file has a header."""
    text = read_text(path)
    if not text:
        raise ImportFailed(f"{path}: file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
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


def require_columns(path: Path, have: list[str] | dict, need: list[str]) -> None:
    """Fail with one line when required columns are missing."""
    missing = [c for c in need if c not in have]
    if missing:
        raise ImportFailed(f"{path}:1: missing column(s) {', '.join(missing)}")


def split_multi(value: str, sep: str = "; ") -> list[str]:
    """Split a CSL multi-valued field."""
    return [v.strip() for v in value.split(sep) if v.strip()] if value else []


def json_lines(path: Path, text: str) -> Iterator[tuple[int, object]]:
    """(line, value) for each non-empty line of a JSON-lines text; one line naming file and line if one is broken."""
    import json

    for number, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ImportFailed(f"{path}:{number}: not valid JSON ({exc.msg})") from None
