"""Names the user gives an entity: found by search and screening at once, kept across rebuilds, in the user-data file.

The case: "ПАО Совкомбанк", as a Russian invoice writes Sovcombank, transliterates to "Sovkombank", one letter from the
lists' "SOVCOMBANK OPEN JOINT STOCK COMPANY": it scores below the screening threshold until the user says so.
"""

from __future__ import annotations

import asyncio
import json

from textual.widgets import DataTable, Static

from watchlist.store import backup, connect, userdata
from watchlist.store.errors import StoreError
from watchlist.store.search import SearchIndex
from watchlist.tui.app import WatchlistApp
from watchlist.tui.screens.entity import EntityScreen

from .conftest import copy_store, write
from .pilot import settle, type_text
from .test_cli import run

SOVKOM = "ПАО Совкомбанк"
SOVCOMBANK = "ofac:34737"


def _sovcombank_id(db_path) -> int:
    code, out, _ = run("show", SOVCOMBANK, "--json", db=db_path)
    assert code == 0
    return json.loads(out)["id"]


def test_alias_from_the_cli_is_found_by_search_show_and_screening(seed_db_copy, tmp_path):
    sovcombank = _sovcombank_id(seed_db_copy)
    code, out, _ = run("search", SOVKOM, "--json", db=seed_db_copy)
    assert all(h["id"] != sovcombank or h["score"] < 85 for h in json.loads(out)["results"])  # not found before

    code, out, _ = run("alias", "add", str(sovcombank), SOVKOM, db=seed_db_copy)
    assert code == 0 and "added" in out
    code, out, _ = run("alias", "add", str(sovcombank), f"  {SOVKOM} ", db=seed_db_copy)
    assert code == 0 and "already has" in out

    code, out, _ = run("search", SOVKOM, "--json", db=seed_db_copy)
    top = json.loads(out)["results"][0]
    assert top["id"] == sovcombank and top["score"] == 100.0 and top["matched_name"] == SOVKOM and top["matched_kind"] == "your alias"

    code, out, _ = run("show", str(sovcombank), "--json", db=seed_db_copy)
    assert {"name": SOVKOM, "kind": "your alias", "list": "you", "source": None} in json.loads(out)["names"]

    rows = write(tmp_path / "rows.csv", f"name,country\n{SOVKOM},Россия\n")
    code, out, err = run("screen", str(rows), "--format", "jsonl", "--no-save", db=seed_db_copy)
    assert code == 0, err
    screened = json.loads(out.splitlines()[0])
    assert screened["status"] == "potential match" and screened["matches"][0]["entity_id"] == sovcombank
    assert "your alias" in screened["matches"][0]["why"]

    code, out, _ = run("alias", "list", "--json", db=seed_db_copy)
    assert [a["name"] for a in json.loads(out)] == [SOVKOM]
    code, out, _ = run("alias", "remove", str(sovcombank), SOVKOM, db=seed_db_copy)
    assert code == 0
    code, out, _ = run("search", SOVKOM, "--json", db=seed_db_copy)
    assert all(h["matched_name"] != SOVKOM for h in json.loads(out)["results"])


def test_bad_aliases_are_one_line_errors(seed_db_copy):
    for args, says in (
        (("alias", "add", "999999999", "X Ltd"), "no entity"),
        (("alias", "add", "ofac:38641", "   "), "needs a name"),
        (("alias", "add", "ofac:38641", "!!! ---"), "no letters or digits"),
        (("alias", "add", "ofac:38641", "x" * 400), "at most 300"),
        (("alias", "remove", "ofac:38641", "never given"), "no alias"),
    ):
        code, _out, err = run(*args, db=seed_db_copy)
        assert code == 1 and says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_alias_on_one_record_counts_for_its_group_and_shows_literally(seed_db_copy):
    db = connect(seed_db_copy)
    assert userdata.add_alias(db, "ofac:38641", "[bold]Sinno\x1b[31m HK") is not None
    alias = userdata.aliases_of(db, "ofac:38641")[0]
    assert alias.name == "[bold]Sinno [31m HK"  # the escape character is gone; the rest stays as typed
    index = SearchIndex.build(db.conn)
    hit = index.search("[bold]Sinno [31m HK", limit=1).hits[0]
    assert hit.matched_name == alias.name and hit.matched_kind == "your alias"
    with_group = {k for k in userdata.group_keys(db, "ofac:38641")}
    assert len(with_group) > 1 and hit.key in with_group
    db.conn.close()


def test_aliases_survive_a_rebuild(rebuilt):
    db = connect(rebuilt["path"], readonly=True)
    assert [a.name for a in userdata.aliases_of(db, "ofac:38641")] == ["Xin Nuo Dian Zi HK"]
    hit = SearchIndex.build(db.conn).search("Xin Nuo Dian Zi HK", limit=1).hits[0]
    assert hit.matched_name == "Xin Nuo Dian Zi HK" and "ofac:38641" in hit.records
    db.conn.close()


def test_aliases_travel_in_the_user_data_file(seed_db_copy, seed_db_path, tmp_path):
    db = connect(seed_db_copy)
    userdata.add_alias(db, "ofac:38641", "Xin Nuo Dian Zi")
    data = backup.export_userdata(db)
    db.conn.close()
    assert [(a["entity_key"], a["name"]) for a in data["aliases"]] == [("ofac:38641", "Xin Nuo Dian Zi")]
    other = connect(copy_store(seed_db_path, tmp_path / "other.db"))
    assert backup.import_userdata(other, data)["aliases"] == 1
    assert backup.import_userdata(other, data)["aliases"] == 0  # merging twice adds nothing
    assert [a.name for a in userdata.aliases_of(other)] == ["Xin Nuo Dian Zi"]
    bad = {**data, "aliases": [{"entity_key": "ofac:38641", "name": " "}]}
    try:
        backup.import_userdata(other, bad, "bad.json")
        raise AssertionError("an empty alias was imported")
    except StoreError as exc:
        assert "needs a name" in str(exc)
    other.conn.close()


def test_alias_key_in_the_app_makes_search_find_the_entity(seed_db_copy):
    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=(150, 42)) as pilot:
            await settle(app, pilot)
            await type_text(app, pilot, "SOVCOMBANK OPEN JOINT STOCK COMPANY")
            await pilot.press("down", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            await pilot.press("a")
            await settle(app, pilot)
            await type_text(app, pilot, SOVKOM)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            await pilot.press("4")  # Aliases
            await settle(app, pilot)
            aliases = app.screen.query_one("#t-aliases", DataTable)
            assert any(SOVKOM in str(aliases.get_row_at(i)[0]) for i in range(aliases.row_count))
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("slash")
            await type_text(app, pilot, SOVKOM)
            results = app.screen.query_one("#results", DataTable)
            first = [str(c) for c in results.get_row_at(0)]
            assert first[0].startswith("SOVCOMBANK OPEN") and SOVKOM in " ".join([*first, str(app.screen.query_one("#preview", Static).render())])

    asyncio.run(scenario())
