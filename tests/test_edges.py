"""The program's edges: files people have, arguments, terminal output, output files, bounded reading.

Each test is a reproduction from issue 16 that failed before: the command is run as a user runs it
(a process, a pipe, a FIFO, a symlink) or through click's runner where the process adds nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchlist.store import ImportFailed, connect, importers
from watchlist.store.importers.reading import read_bytes
from watchlist.store.seed import SEED_FILES
from watchlist.tui.cli import main

from .test_hostile import _store as hostile_store

ROOT = Path(__file__).resolve().parent.parent
RAW = ("\x1b", "\x07", "\u202e", "\u200b", "\x9b")
STAR_KEY = "ofac:38641"


def run(store: Path, *args: str, input: str | bytes | None = None, **kw) -> subprocess.CompletedProcess:
    """``watchlist --db STORE ARGS`` as a process with no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store), *args],
        cwd=kw.pop("cwd", ROOT),
        capture_output=True,
        input=input,
        text=isinstance(input, str) or input is None,
        timeout=kw.pop("timeout", 300),
        **kw,
    )


def invoke(store: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(store), *args], input=input)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store whose names, aliases, addresses and citations carry escape codes, markup and bidi controls."""
    return hostile_store(tmp_path_factory.mktemp("edges"))


# -- terminal output --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["search", "osc52"],
        ["search", "ansi", "--limit", "50"],
        ["show", "1"],
        ["show", "3"],
        ["changes"],
        ["changes", "--baseline"],
        ["resolve", "list"],
        ["stats"],
    ],
)
def test_human_readable_output_never_carries_raw_control_characters(hostile: Path, args: list[str]):
    result = run(hostile, *args)
    assert result.returncode == 0, result.stderr
    for raw in RAW:
        assert raw not in result.stdout and raw not in result.stderr, (raw, args)
    if args[0] == "search":
        assert "\\x1b" in result.stdout  # shown visibly, not dropped


def test_screen_output_to_the_terminal_and_its_header_are_defused(hostile: Path, tmp_path: Path):
    parties = tmp_path / "parties.csv"
    parties.write_text('name,=HYPERLINK("http://evil.example")\nClip \x1b]52;c;aGVsbG8=\x07 osc52 Ltd,@SUM(1+1)\n', encoding="utf-8")
    shown = run(hostile, "screen", str(parties), "--no-save", "--threshold", "50")
    assert shown.returncode == 0 and not any(raw in shown.stdout + shown.stderr for raw in RAW)
    out = tmp_path / "out.csv"
    assert run(hostile, "screen", str(parties), "--no-save", "-o", str(out)).returncode == 0
    header = next(csv.reader(out.open(encoding="utf-8")))
    assert header[:3] == ["line", "name", '\'=HYPERLINK("http://evil.example")']


def test_json_stays_exact_and_still_safe_on_a_terminal(hostile: Path):
    result = run(hostile, "search", "osc52", "--json")
    assert result.returncode == 0 and "\x1b" not in result.stdout
    names = [h["name"] for h in json.loads(result.stdout)["results"]]
    assert any("\x1b]52;c;aGVsbG8=\x07" in n for n in names)  # the exact value, read back


def test_a_closed_pipe_ends_quietly(hostile: Path):
    done = subprocess.run(
        f"{sys.executable} -m watchlist.tui --db '{hostile}' search ltd --limit 2000 | head -c 10",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr == "" and "Broken pipe" not in done.stderr


def test_bare_watchlist_without_a_terminal_says_so_in_one_line(hostile: Path):
    result = run(hostile, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "needs a terminal" in result.stderr


def test_progress_only_on_a_terminal_and_quiet_silences_it(seed_db_copy: Path):
    logged = run(seed_db_copy, "seed")
    assert logged.returncode == 0 and "\r" not in logged.stderr and f"[{len(SEED_FILES)}/{len(SEED_FILES)}]" in logged.stderr
    quiet = run(seed_db_copy, "--quiet", "seed")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_an_undecodable_file_name_is_shown_not_a_traceback(hostile: Path, tmp_path: Path):
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.csv"))
    odd.write_text("name\nAcme\n", encoding="utf-8")
    result = run(hostile, "screen", str(odd), "--no-save")
    assert result.returncode == 0 and "Traceback" not in result.stderr and "\\udce9" in result.stderr


# -- arguments --------------------------------------------------------------------------------------

BIG = "9" * 23


@pytest.mark.parametrize(
    "args",
    [
        ["show", "²"],
        ["resolve", "split", "²"],
        ["show", BIG],
        ["rejects", BIG],
        ["links", "confirm", BIG],
        ["screenings", "decide", BIG, "1", "match"],
        ["resolve", "same", "16553", "16553"],
        ["changes", "--list", "NOPE"],
        ["changes", "--since", "yesterday"],
        ["search", "x", "--limit", "0"],
        ["import", "x.csv", "--encoding", "klingon"],
        ["nonsense"],
    ],
)
def test_malformed_arguments_are_one_line_and_exit_2(hostile: Path, args: list[str]):
    result = run(hostile, *args)
    assert result.returncode == 2, (args, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("watchlist") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_rejects_of_an_import_that_does_not_exist_is_an_error(hostile: Path):
    result = run(hostile, "rejects", "999")
    assert result.returncode == 1 and "no import 999" in result.stderr


def test_changes_accepts_a_list_code_that_is_only_in_the_store(tmp_path: Path):
    store = tmp_path / "own-list.db"
    db = connect(store)
    ftm = tmp_path / "own.ftm.json"
    ftm.write_text(
        json.dumps(
            {"id": "own-1", "schema": "Company", "properties": {"name": ["Acme Own List Ltd"], "topics": ["sanction"]}, "datasets": ["regional_watch"]}
        )
        + "\n",
        encoding="utf-8",
    )
    importers.import_file(db, ftm, "ftm", as_of="2025-01-01")
    code = db.conn.execute("SELECT list FROM listings").fetchone()[0]
    db.conn.close()
    result = run(store, "changes", "--list", code, "--baseline")
    assert result.returncode == 0 and "Acme Own List Ltd" in result.stdout, result.stderr


# -- output files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["export", "-o"], ["screenings", "audit", "1", "-o"], ["datasette-metadata", "-o"], ["backup", "-o"], ["userdata", "export", "-o"]]
)
def test_output_through_a_symlink_or_onto_a_folder_is_refused(hostile: Path, tmp_path: Path, args: list[str]):
    store = tmp_path / "store.db"
    shutil.copy(hostile, store)
    parties = tmp_path / "p.csv"
    parties.write_text("name\nosc52 Ltd\n", encoding="utf-8")
    assert run(store, "screen", str(parties)).returncode == 0  # run 1, for the audit
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    result = run(store, *args, str(link))
    assert result.returncode == 1 and "symbolic link" in result.stderr, result.stderr
    assert target.read_text(encoding="utf-8") == "keep me" and link.is_symlink()
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run(store, *args, str(folder))
    assert result.returncode in (1, 2) and result.stderr.count("\n") == 1, result.stderr
    assert "is a folder" in result.stderr or "is a directory" in result.stderr


def test_written_files_take_their_mode_from_the_umask(hostile: Path, tmp_path: Path):
    out = tmp_path / "all.ftm.json"
    result = run(hostile, "export", "-o", str(out), preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0 and (out.stat().st_mode & 0o777) == 0o644


def test_dash_is_stdin_and_stdout(hostile: Path, seed_db_copy: Path):
    screened = run(hostile, "screen", "-", "-o", "-", "--no-save", input="name,country\nosc52 Ltd,CN\n")
    assert screened.returncode == 0 and screened.stdout.startswith("line,name,country,")
    exported = run(hostile, "export", "--format", "json", "--query", "osc52", "-o", "-")
    assert exported.returncode == 0 and json.loads(exported.stdout)
    store = seed_db_copy
    shipped = run(store, "import", "-", "--format", "shipments", input="date,exporter,hs_code,value\n2024-01-02,Stdin Exporter Ltd,854231,10\n")
    assert shipped.returncode == 0, shipped.stderr
    conn = connect(store, readonly=True).conn
    assert conn.execute("SELECT count(*) FROM shipments").fetchone()[0] == 1


def test_a_fifo_and_process_substitution_are_read_once(hostile: Path, seed_db_copy: Path, tmp_path: Path):
    fifo = tmp_path / "parties.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w", encoding="utf-8") as f:
            f.write("name\nosc52 Ltd\nansi Ltd\n")

    writer = threading.Thread(target=feed)
    writer.start()
    result = run(hostile, "screen", str(fifo), timeout=60)
    writer.join(timeout=10)
    assert result.returncode == 0 and "2 rows" in result.stderr, result.stderr
    store = seed_db_copy
    source = tmp_path / "ship.csv"
    source.write_text("date,exporter,hs_code,value\n2024-01-02,Substituted Exporter Ltd,854231,10\n", encoding="utf-8")
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m watchlist.tui --db '{store}' import <(cat '{source}')"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "1 added" in done.stdout, done.stdout + done.stderr


# -- files people have ------------------------------------------------------------------------------


def test_semicolon_and_pipe_csv_as_excel_writes_them(hostile: Path, tmp_path: Path):
    for delimiter in (";", "|", "\t"):
        parties = tmp_path / "parties.csv"
        parties.write_text(f"Name{delimiter}Country\nosc52 Ltd{delimiter}CN\n", encoding="utf-8")
        result = run(hostile, "screen", str(parties), "--no-save", "--format", "jsonl")
        assert result.returncode == 0, (delimiter, result.stderr)
        assert json.loads(result.stdout.splitlines()[0])["name"] == "osc52 Ltd"


def test_windows_1252_names_its_encoding_and_reads_with_encoding(hostile: Path, tmp_path: Path):
    parties = tmp_path / "parties.csv"
    parties.write_bytes("name,country\nSociété Générale Trading – Ltd,FR\n".encode("cp1252"))
    refused = run(hostile, "screen", str(parties), "--no-save")
    assert refused.returncode == 1 and "--encoding cp1252" in refused.stderr and refused.stderr.count("\n") == 1
    read = run(hostile, "screen", str(parties), "--no-save", "--encoding", "cp1252", "--format", "jsonl")
    assert read.returncode == 0 and json.loads(read.stdout.splitlines()[0])["name"] == "Société Générale Trading – Ltd"


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    """A minimal Office Open XML workbook, written part by part as the standard lays it out (inline strings)."""

    def cell(ref: str, value: str) -> str:
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    sheet_rows = "".join(
        f'<row r="{i}">' + "".join(cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(row)) + "</row>" for i, row in enumerate(rows, 1)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Parties" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{sheet_rows}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_an_xlsx_workbook_is_screened_and_imported(hostile: Path, seed_db_copy: Path, tmp_path: Path):
    book = _xlsx(tmp_path / "counterparties.xlsx", [["Company", "Country"], ["Sinno Electronics", "HK"], ["osc52 Ltd", "CN"]])
    result = run(seed_db_copy, "screen", str(book), "--no-save", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    first = json.loads(result.stdout.splitlines()[0])
    assert first["line"] == 2 and first["status"] == "potential match"
    shipments = _xlsx(tmp_path / "shipments.xlsx", [["date", "exporter", "hs_code", "value"], ["2024-01-02", "Workbook Exporter Ltd", "854231", "10"]])
    imported = run(seed_db_copy, "import", str(shipments), "--format", "shipments")
    assert imported.returncode == 0 and "1 added" in imported.stdout, imported.stdout + imported.stderr


# -- bounded reading --------------------------------------------------------------------------------


def test_a_gzip_bomb_and_dev_zero_are_refused_in_one_line(hostile: Path, tmp_path: Path):
    bomb = tmp_path / "bomb.csv.gz"
    member = gzip.compress(b"\0" * (1 << 24), compresslevel=9)  # 16 MiB of zeros in 16 KiB: one gzip member ...
    bomb.write_bytes(member * 40)  # ... forty times (a gzip file may hold several): 640 MiB in 650 KiB
    with pytest.raises(ImportFailed, match="zip bomb"):
        read_bytes(bomb)
    refused = run(hostile, "import", str(bomb), "--format", "csl")
    assert refused.returncode == 1 and "zip bomb" in refused.stderr and refused.stderr.count("\n") == 1
    zero = run(hostile, "import", "/dev/zero", "--format", "csl", timeout=60)
    assert zero.returncode == 1 and "NUL" in zero.stderr and zero.stderr.count("\n") == 1
    with pytest.raises(ImportFailed, match="not a regular file"):
        read_bytes(Path("/dev/zero"))
    small = tmp_path / "ok.csv.gz"
    small.write_bytes(gzip.compress(b"name\nAcme\n"))
    assert read_bytes(small) == b"name\nAcme\n"


def test_pathological_remarks_import_in_linear_time(hostile: Path, tmp_path: Path):
    sdn = tmp_path / "sdn.csv"
    evil = "Passport Number x" + " " * 8000 + "(; Linked To: " + " " * 8000 + "x"
    rows = [
        [str(9000 + i), f"EVIL TRADING {i} LTD", "-0-", "[RUSSIA-EO14024]", "-0-", "-0-", "-0-", "-0-", "-0-", "-0-", "-0-", evil] for i in range(10)
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sdn.write_text(out.getvalue(), encoding="utf-8")
    store = tmp_path / "s.db"
    shutil.copy(hostile, store)
    result = run(store, "--quiet", "import", str(sdn), "--format", "ofac-sdn", timeout=60)  # 144 s before
    assert result.returncode == 0 and "10 added" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("fmt", ["ftm", "csl-json", "screen"])
def test_json_nested_100000_deep_is_one_line(hostile: Path, tmp_path: Path, fmt: str):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    args = ["screen", str(deep), "--no-save"] if fmt == "screen" else ["import", str(deep), "--format", fmt]
    if fmt == "screen":
        deep.write_text('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    result = run(hostile, *args)
    assert result.returncode == 1 and "nested too deeply" in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_malformed_ftm_entities_are_rejected_rows_and_an_impossible_date_is_no_snapshot(tmp_path: Path):
    store = tmp_path / "s.db"
    db = connect(store)
    path = tmp_path / "bad.ftm.json"
    lines = [
        {"id": "a", "schema": ["Company"], "properties": {"name": ["A"]}},
        {"id": "b", "schema": "Company", "properties": ["name", "B"]},
        {"id": "c", "schema": "Company", "properties": "name=C"},
        {"id": "d", "schema": "Company", "properties": {"name": ["D Ltd"]}, "datasets": 5},
        {"id": "e", "schema": "Company", "properties": {"name": ["E Trading Ltd"]}, "datasets": ["us_bis_entity"]},
        {
            "id": "s",
            "schema": "Sanction",
            "properties": {"entity": ["e"], "authority": ["Bureau of Industry and Security"], "startDate": ["9999-99-99"]},
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = importers.import_file(db, path, "ftm")
    assert {r.field for r in report.rejects} == {"schema", "properties", "datasets"} and len(report.rejects) == 4
    as_of = db.conn.execute("SELECT as_of FROM imports WHERE format = 'ftm'").fetchone()[0]
    assert as_of != "9999-99-99" and as_of[:4] < "9999"
    with pytest.raises(ImportFailed, match="real date"):
        importers.import_file(db, path, "ftm", as_of="2024-13-45", force=True)
    db.conn.close()


# -- the CLI under arbitrary arguments and files ----------------------------------------------------

WORDS = st.sampled_from(
    [
        "search",
        "show",
        "stats",
        "rejects",
        "changes",
        "resolve",
        "list",
        "same",
        "split",
        "screen",
        "screenings",
        "decide",
        "audit",
        "links",
        "confirm",
        "export",
        "trade",
        "goods",
        "--json",
        "--limit",
        "--list",
        "--since",
        "--format",
        "-o",
        "--country",
        "--threshold",
        "--note",
        "match",
        "1",
        "0",
        "-1",
        "²",
        BIG,
        "EL",
        "8542",
        "ofac:1",
        "@FILE",
        "-",
        "--encoding",
        "cp1252",
        "csv",
        "jsonl",
    ]
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(
    max_examples=int(os.environ.get("WATCHLIST_FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # as test_fuzz: the same cases each run
@given(args=st.lists(st.one_of(WORDS, TEXT), min_size=1, max_size=6), content=st.binary(max_size=300))
def test_the_cli_never_traces_or_writes_raw_control_characters(hostile: Path, tmp_path: Path, args: list[str], content: bytes):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    data = work / "input.csv"
    data.write_bytes(content)
    args = [str(data) if a == "@FILE" else a for a in args]
    if args[0] in ("seed", "explore", "import", "userdata", "backup") or "-o" in args:  # writes: covered by their own tests
        args = ["search", *args]
    store = work / "store.db"
    if not store.exists():
        shutil.copy(hostile, store)
    result = CliRunner().invoke(main, ["--db", str(store), *args], input="")
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in shown, (args, shown[:300])


def test_the_store_itself_is_refused_as_an_input(hostile: Path, tmp_path: Path):
    """Reading the store with open() in the process holding it would drop its SQLite locks: never done."""
    store = tmp_path / "s.db"
    shutil.copy(hostile, store)
    for args in (["import", str(store), "--format", "csl"], ["screen", str(store)]):
        result = run(store, *args)
        assert result.returncode == 1 and "is the store itself" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "text",
    ["a,b\nc,d\n", "a,b\r\nc,d\r\n", "a\rb\rc", "x\n\n\ny", '"q\nw",e\r\nz', "", "\n", "a\r\n\r\nb\u2028c\x0cd\x85e\n", "last"],
)
def test_csv_lines_are_those_of_a_stringio_without_its_copy(text: str):
    """CSV files are read by lines split as io.StringIO(newline="") splits them (\\n, \\r\\n, \\r; never \\x0c or \\u2028,
    which stay inside a field), the copy at four bytes a character left out."""
    from watchlist.store.importers.reading import split_lines

    assert list(split_lines(text)) == list(io.StringIO(text, newline=""))
    assert list(csv.reader(split_lines(text))) == list(csv.reader(io.StringIO(text, newline="")))
