"""`watchlist update` against a local HTTP server (127.0.0.1, started here) serving real list files."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchlist.store import connect
from watchlist.store import update as update_
from watchlist.tui.cli import main

SAMPLE = (Path(__file__).parent / "data" / "un" / "un_sample.xml").read_text(encoding="utf-8")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy")


def _without(text: str, dataid: str) -> str:
    """The UN sample without one record (a newer list, from which that entry was removed)."""
    start = text.index(f"<DATAID>{dataid}</DATAID>")
    start = max(text.rfind("<INDIVIDUAL>", 0, start), text.rfind("<ENTITY>", 0, start))
    start = text.rfind("\n", 0, start) + 1
    tag = "INDIVIDUAL" if text[start:].lstrip().startswith("<INDIVIDUAL>") else "ENTITY"
    end = text.index(f"</{tag}>", start) + len(f"</{tag}>\n")
    return text[:start] + text[end:]


class Quiet(ThreadingHTTPServer):
    """A test server that does not print a client's hang-up (the timeout test hangs up on it)."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Server:
    """What the local server serves at /un.xml, how it behaves, and what it saw."""

    def __init__(self) -> None:
        self.body, self.etag, self.mode = SAMPLE.encode(), '"v1"', "ok"
        self.hits: list[tuple[str, dict[str, str]]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append((self.path, dict(self.headers)))
                if server.mode == "hang":
                    time.sleep(3)
                if server.mode == "500":
                    self.send_error(500, "Internal Server Error")
                    return
                if self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", server.etag)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                if server.mode == "cut":  # the connection drops half-way through the file
                    self.wfile.write(server.body[: len(server.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, str]]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(update_, "BACKOFF", 0.01)
    monkeypatch.setattr(update_, "TIMEOUT", (2.0, 1.0))
    state = Server()
    httpd = Quiet(("127.0.0.1", 0), state.handler())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}/un.xml"
    httpd.shutdown()
    httpd.server_close()


def _store(tmp_path: Path, url: str) -> tuple[Path, Path]:
    store, sources = tmp_path / "store.db", tmp_path / "sources.toml"
    sources.write_text(f'[sources.un]\nurl = "{url}"\nformat = "un-xml"\ntitle = "UN (test server)"\n', encoding="utf-8")
    assert CliRunner().invoke(main, ["--db", str(store), "init"]).exit_code == 0
    return store, sources


def _update(store: Path, sources: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(store), "update", "un", "--sources", str(sources), *args])


def test_first_update_imports_a_second_gets_304_and_a_newer_file_reports_its_changes(served, tmp_path: Path):
    server, url = served
    store, sources = _store(tmp_path, url)
    first = _update(store, sources)
    assert first.exit_code == 0, first.output
    assert "5 added" in first.output and "What's new" in first.output and "UN Security Council" in first.output
    second = _update(store, sources)
    assert second.exit_code == 0 and "not modified" in second.output and server.hits[-1][1].get("If-None-Match") == '"v1"'
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT count(*) FROM imports WHERE format = 'un-xml'").fetchone()[0] == 1  # nothing new imported
    db.conn.close()
    server.body, server.etag = _without(SAMPLE, "690768").replace('dateGenerated="2026-02-27', 'dateGenerated="2026-03-06').encode(), '"v2"'
    third = _update(store, sources)
    assert third.exit_code == 0 and "1 removed" in third.output and "-1 removed" in third.output, third.output
    listed = CliRunner().invoke(main, ["--db", str(store), "sources", "--sources", str(sources)]).output
    assert url in listed and 'ETag "v2"' in listed and "snapshot 2026-03-06" in listed


def test_a_file_that_would_empty_the_list_is_held_and_dry_run_changes_nothing(served, tmp_path: Path):
    server, url = served
    store, sources = _store(tmp_path, url)
    assert _update(store, sources).exit_code == 0
    shrunk = SAMPLE
    for dataid in ("6907993", "6907994", "690768", "690779"):
        if f"<DATAID>{dataid}</DATAID>" in shrunk:
            shrunk = _without(shrunk, dataid)
    server.body, server.etag = shrunk.replace('dateGenerated="2026-02-27', 'dateGenerated="2026-03-06').encode(), '"v3"'
    dry = _update(store, sources, "--dry-run", "--accept")
    assert dry.exit_code == 0 and "would import" in dry.output and "removed" in dry.output
    held = _update(store, sources)
    assert held.exit_code == 1 and "held" in held.output and "--accept" in held.output and len(held.output.strip().splitlines()) == 1
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT count(*) FROM listings WHERE status = 'active'").fetchone()[0] == 5  # untouched by both
    db.conn.close()
    accepted = _update(store, sources, "--accept")
    assert accepted.exit_code == 0 and "removed" in accepted.output


def test_a_hanging_server_times_out_and_a_500_is_retried_then_fails_in_one_line(served, tmp_path: Path):
    server, url = served
    store, sources = _store(tmp_path, url)
    server.mode = "hang"
    hung = _update(store, sources)
    assert hung.exit_code == 1 and "did not answer" in hung.output and len(hung.output.strip().splitlines()) == 1
    server.mode, server.hits = "500", []
    failed = _update(store, sources)
    assert failed.exit_code == 1 and "retries" in failed.output and len(failed.output.strip().splitlines()) == 1, failed.output
    assert len(server.hits) == 1 + update_.RETRIES
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0
    db.conn.close()


def test_a_download_cut_short_is_one_line_and_leaves_no_file_behind(served, tmp_path: Path):
    server, url = served
    store, sources = _store(tmp_path, url)
    server.mode = "cut"
    out = _update(store, sources)
    assert out.exit_code == 1 and out.output.startswith("un: ") and "untouched" in out.output and len(out.output.strip().splitlines()) == 1
    downloads = update_.downloads(store)
    assert not downloads.exists() or not any(downloads.iterdir())  # the partial file is gone, nothing renamed into place
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0
    db.conn.close()


def test_offline_is_one_line_per_source_and_the_store_is_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(update_, "BACKOFF", 0.01)
    store, sources = _store(tmp_path, "http://127.0.0.1:9/un.xml")  # port 9 (discard): nothing listens
    out = _update(store, sources)
    assert out.exit_code == 1 and out.output.strip().startswith("un: cannot reach") and "untouched" in out.output


def test_a_proxy_from_the_environment_is_used(served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    server, url = served
    proxy = Server()
    proxyd = Quiet(("127.0.0.1", 0), proxy.handler())
    threading.Thread(target=proxyd.serve_forever, daemon=True).start()
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxyd.server_address[1]}")
    store, sources = _store(tmp_path, url)
    try:
        out = _update(store, sources)
    finally:
        proxyd.shutdown()
        proxyd.server_close()
    assert out.exit_code == 0, out.output
    assert proxy.hits and proxy.hits[0][0] == url and not server.hits  # the request went to the proxy, for the full URL


def test_the_sources_file_is_checked_in_one_line(tmp_path: Path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[sources.eu]\nurl = "ftp://example.org/x"\nformat = "eu-xml"\n', encoding="utf-8")
    with pytest.raises(update_.UpdateFailed, match="url"):
        update_.sources(bad)
    bad.write_text('[sources.eu]\nurl = "https://example.org/x"\nformat = "pdf"\n', encoding="utf-8")
    with pytest.raises(update_.UpdateFailed, match="format"):
        update_.sources(bad)
    good = tmp_path / "good.toml"
    good.write_text(
        '[sources.un]\nurl = "https://mirror.example.org/un.xml"\n\n[sources.mine]\nurl = "https://example.org/l.xml"\nformat = "uk-xml"\n',
        encoding="utf-8",
    )
    known = update_.sources(good)
    assert {"csl", "ofac-sdn", "ofac-cons", "un", "eu", "uk", "mine"} <= set(known)
    assert known["un"].url == "https://mirror.example.org/un.xml" and known["un"].format == "un-xml"  # overridden, format kept
