"""The explorer driven by Pilot on a store built from the real seed: keys pressed, widgets read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Input, Sparkline, Static, TabbedContent, Tree

from watchlist.store import connect, importers, userdata
from watchlist.store.hs import dotted as hs_dotted
from watchlist.tui.app import WatchlistApp
from watchlist.tui.header import Header
from watchlist.tui.safe import safe_text
from watchlist.tui.screens.entity import EntityScreen
from watchlist.tui.screens.goods import GoodsScreen
from watchlist.tui.screens.search import SearchScreen
from watchlist.tui.screens.watchlist import WatchlistScreen

from .conftest import write
from .pilot import notices, settle, type_text

SIZE = (150, 42)


def names_in(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]).lstrip("★ ") for i in range(table.row_count)]


def text_of(widget: Static) -> str:
    return str(widget.render())


async def type_and_open(app: WatchlistApp, pilot, query: str, startswith: str) -> None:
    """Type a query, move into the results, put the cursor on the first row named like ``startswith``, Enter."""
    await type_text(app, pilot, query)
    table = app.screen.query_one("#results", DataTable)
    await pilot.press("down")
    table.move_cursor(row=next(i for i, n in enumerate(names_in(table)) if n.startswith(startswith)))
    await pilot.press("enter")
    await settle(app, pilot)


def test_type_sinno_and_open_the_entity_list_entry(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.focused is app.screen.query_one("#search", Input)  # focused at start
            await pilot.press(*"sinno")
            await settle(app, pilot)
            table = app.screen.query_one("#results", DataTable)
            # the Vilnius firm, and the Shenzhen/Hong Kong one that BIS and OFAC both list (one entity)
            assert sum(n.lower().startswith("sinno electronics") for n in names_in(table)[:4]) == 2
            assert "EL" in text_of(app.screen.query_one("#facets", Static))
            await pilot.press("down")
            assert app.focused is table
            table.move_cursor(row=next(i for i, n in enumerate(names_in(table)) if n.startswith("Sinno Electronics Co")))
            await settle(app, pilot)
            assert "87 FR 38925" in text_of(app.screen.query_one("#preview", Static))  # the preview follows the cursor
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert "87 FR 38925" in text_of(app.screen.query_one("#overview-text", Static))
            await pilot.press("2")  # Listings
            await settle(app, pilot)
            listings = app.screen.query_one("#t-listings", DataTable)
            row = [str(c) for c in listings.get_row_at(0)]
            assert row[0] == "EL" and "87 FR 38925" in row[3] and row[4] == "2022-06-30"
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#search", Input).value == "sinno"

    asyncio.run(scenario())


def test_follow_a_shared_address_and_come_back_to_the_same_row(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(
                app,
                pilot,
                "China Aerospace Science and Industry Corporation Second Academy",
                "China Aerospace Science and Industry Corporation Second Academy",
            )
            screen = app.screen
            assert isinstance(screen, EntityScreen)
            first = screen.trail[-1].entity_id
            await pilot.press("5")  # Addresses
            await settle(app, pilot)
            addresses = screen.query_one("#t-addresses", DataTable)
            assert addresses.row_count > 3
            await pilot.press("j", "j", "j")
            target = str(addresses.get_row_at(3)[2])
            assert target  # another entity listed at this address
            await pilot.press("enter")
            await settle(app, pilot)
            assert screen.trail[-1].entity_id != first and len(screen.trail) == 2
            assert text_of(screen.query_one("#overview-text", Static)).startswith(target)
            crumbs = text_of(screen.query_one("#crumbs", Static))
            assert crumbs.startswith("Search › China Aerospace") and crumbs.count("›") == 2
            await pilot.press("backspace")
            await settle(app, pilot)
            assert screen.trail[-1].entity_id == first and len(screen.trail) == 1
            assert screen.query_one("#sections", TabbedContent).active == "addresses"
            assert screen.query_one("#t-addresses", DataTable).cursor_row == 3
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)
            assert app.screen.query_one("#search", Input).value.startswith("China Aerospace")

    asyncio.run(scenario())


def test_star_survives_a_restart_and_shows_on_the_watchlist(seed_db_copy):
    async def star():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics", "Sinno Electronics Co")
            await pilot.press("w")
            await settle(app, pilot)
            assert "on your watchlist" in text_of(app.screen.query_one("#overview-text", Static))

    async def reopen():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("down", "W")
            await settle(app, pilot)
            assert isinstance(app.screen, WatchlistScreen)
            starred = app.screen.query_one("#starred", DataTable)
            assert names_in(starred) == ["Sinno Electronics Co., Ltd.,"]
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert "on your watchlist" in text_of(app.screen.query_one("#overview-text", Static))

    asyncio.run(star())
    db = connect(seed_db_copy, readonly=True)
    assert userdata.is_starred(db, "el:sinno elec co ltd:CN,HK")
    db.conn.close()
    asyncio.run(reopen())


def test_note_is_written_in_the_editor_and_kept(seed_db_copy):
    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics", "Sinno Electronics Co")
            await pilot.press("n")
            await settle(app, pilot)
            await pilot.press(*"Shipped ICs", "enter", *"[bold]second line")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert "Shipped ICs\n[bold]second line" in text_of(app.screen.query_one("#overview-text", Static))
            await pilot.press("t")
            await settle(app, pilot)
            box = app.screen.query_one(".dialog").region
            assert box.x > 20 and box.y > 5  # the tags dialog is centred, not at the top left
            await pilot.press(*"chips, hk-network", "enter")
            await settle(app, pilot)
            await pilot.press("W")
            await settle(app, pilot)
            row = [str(c) for c in app.screen.query_one("#starred", DataTable).get_row_at(0)]
            assert row[0] == "Sinno Electronics Co., Ltd.," and row[3] == "chips, hk-network" and row[4] == "Shipped ICs"

    asyncio.run(scenario())
    db = connect(seed_db_copy, readonly=True)
    assert userdata.note_of(db, "el:sinno elec co ltd:CN,HK") == "Shipped ICs\n[bold]second line"
    db.conn.close()


def test_the_goods_browser_is_made_ahead_unseen_and_the_first_g_shows_it(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.warm_up()  # what the app does a second after its index is ready
            await settle(app, pilot)
            search = app.screen
            kept = app.get_screen("goods")
            assert isinstance(kept, GoodsScreen) and kept.is_running and kept not in app.screen_stack
            assert len(kept.query_one("#hs-tree", Tree).root.children) == 21  # the HS sections, read and drawn ahead
            assert app.screen is search and app.focused is search.query_one("#search", Input)  # nothing seen moved
            assert app.index is not None and app.index.warmed  # the typo buckets too, before the first misspelling
            await pilot.press("down", "g")
            assert app.screen is kept and app.focused is kept.query_one("#hs-tree", Tree)

    asyncio.run(scenario())


def test_goods_browser_reaches_854231_tier_1_and_opens_a_supplier(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("down", "g")
            await settle(app, pilot)
            assert isinstance(app.screen, GoodsScreen)
            kept = app.screen
            await pilot.press(*"8542.31", "enter")  # typed on the tree: the code goes to the box, Enter jumps
            await settle(app, pilot)
            tree = app.screen.query_one("#hs-tree", Tree)
            assert tree.cursor_node is not None and tree.cursor_node.data == "854231"
            assert "Tier 1" in str(tree.cursor_node.label)
            detail = text_of(app.screen.query_one("#hs-detail", Static))
            assert "HS 8542.31" in detail and "Tier 1" in detail and "integrated circuits" in detail.lower()
            assert list(app.screen.query_one("#hs-spark", Sparkline).data or []) == [74e6, 179e6]  # CN→RU ICs by year
            assert "2021 74,000,000  2022 179,000,000" in text_of(app.screen.query_one("#hs-spark-label", Static))
            suppliers = app.screen.query_one("#suppliers", DataTable)
            assert names_in(suppliers).count("Sinno Electronics Co., Ltd.,") == 1  # one resolved entity, one row
            sinno = suppliers.get_row_at(names_in(suppliers).index("Sinno Electronics Co., Ltd.,"))
            assert "EL" in str(sinno[2]) and "SDN" in str(sinno[2])  # with the badges of both its records
            await pilot.press("s")
            suppliers.move_cursor(row=names_in(suppliers).index("Sinno Electronics Co., Ltd.,"))
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert text_of(app.screen.query_one("#crumbs", Static)).startswith("Goods 8542.31 › Sinno")
            await pilot.press("7")  # Sinno's Goods section: Enter on a code opens a goods browser at it, on top
            await settle(app, pilot)
            goods_rows = app.screen.query_one("#t-goods", DataTable)
            assert goods_rows.row_count and app.focused is goods_rows
            code = str(goods_rows.get_row_at(0)[0])
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, GoodsScreen) and app.screen is not kept
            assert hs_dotted(app.screen.code or "") == code
            await pilot.press("escape", "escape")
            await settle(app, pilot)
            assert app.screen is kept  # the kept browser, where it was left
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)
            await pilot.press("g")  # opened again: the same screen, still at 8542.31, with its suppliers
            await settle(app, pilot)
            assert app.screen is kept
            assert tree.cursor_node is not None and tree.cursor_node.data == "854231"
            assert "Sinno Electronics Co., Ltd.," in names_in(suppliers)
            await pilot.press("escape", "slash")
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics", "Sinno Electronics Co., Ltd.,")
            await pilot.press("7", "enter")  # from an entity opened elsewhere: the kept browser goes to that code
            await settle(app, pilot)
            assert app.screen is kept and hs_dotted(kept.code or "") == code
            assert tree.cursor_node is not None and hs_dotted(tree.cursor_node.data) == code

    asyncio.run(scenario())


HOSTILE = [
    "[bold]Bold Trading Co",
    "[link=https://e.x]Link[/link] Ltd",
    "Shenzhen [/ Co",
    "[HK] Ltd",
    "Red \x1b[31mESC\x1b[0m Electronics",
    "Clip \x1b]52;c;aGk=\x07 Co",
    "Evil \u202eTrading",
]


def test_hostile_names_render_literally(tmp_path):
    path = tmp_path / "hostile.db"
    db = connect(path)
    rows = "".join(f'"Entity List (EL) - Bureau of Industry and Security","{n}",,"1 Road, Shenzhen, CN",87 FR 1,2022-06-30,x,y\n' for n in HOSTILE)
    header = "source,name,alt_names,addresses,federal_register_notice,start_date,license_requirement,license_policy\n"
    importers.import_file(db, write(tmp_path / "hostile.csv", header + rows))
    db.conn.close()

    async def scenario():
        app = WatchlistApp(path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)  # the empty query lists every entity
            table = app.screen.query_one("#results", DataTable)
            shown = sorted(names_in(table))
            assert shown == sorted(safe_text(n) for n in HOSTILE)
            assert "Red \\x1b[31mESC\\x1b[0m Electronics" in shown
            svg = app.export_screenshot()
            assert "\x1b" not in svg and "\u202e" not in svg
            for i in range(len(HOSTILE)):  # every record opens and renders
                await pilot.press("down") if i == 0 else None
                table.move_cursor(row=i)
                await pilot.press("enter")
                await settle(app, pilot)
                assert isinstance(app.screen, EntityScreen)
                assert text_of(app.screen.query_one("#overview-text", Static)).startswith(names_in(table)[i])
                await pilot.press("escape")
                await settle(app, pilot)
            await pilot.press("slash", *'[/ ( " AND * [link=x]')
            await settle(app, pilot)  # any text typed is fine
            await pilot.press("ctrl+p", *"link ltd")  # hostile names in the palette's entity hits too
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)

    asyncio.run(scenario())


def test_palette_runs_an_action_and_goes_to_an_entity(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            await type_text(app, pilot, "goods browser")
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, GoodsScreen)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            await type_text(app, pilot, "world jetta")
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert "World Jetta" in text_of(app.screen.query_one("#overview-text", Static))

    asyncio.run(scenario())


def test_the_search_line_says_when_more_entities_may_match_than_it_counts(seed_db_path, tmp_path: Path):
    """A broad query ("bank") scores its likeliest names only, and the line under the box says "N+ entities"; ``e``
    exports every match all the same (searched again in full); a narrow one ("sinno electronics") counts every match
    and says "N entities"."""
    import csv
    import sqlite3

    from watchlist.store.index_file import open_index

    conn = sqlite3.connect(seed_db_path)
    every = open_index(conn).search("bank", limit=100_000, complete=True)
    conn.close()

    async def scenario():
        app = WatchlistApp(seed_db_path, export_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_text(app, pilot, "bank")
            line = text_of(app.screen.query_one("#status", Static))
            assert app.screen.result.more and f"{app.screen.result.total:,}+ entities" in line
            assert every.total > app.screen.result.total
            await pilot.press("down", "e")
            await settle(app, pilot)
            assert f"{every.total:,} results" in text_of(app.screen.query_one(Static))
            await pilot.press("c")
            await settle(app, pilot)
            exported = list(tmp_path.glob("search-bank-*.csv"))
            assert len(exported) == 1
            with exported[0].open(encoding="utf-8", newline="") as fh:
                rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
            assert len(rows) - 1 == every.total  # a header, then every match
            await pilot.press("slash")  # back to the search box
            await settle(app, pilot)
            await pilot.press(*["backspace"] * 4)
            await type_text(app, pilot, "sinno electronics")
            line = text_of(app.screen.query_one("#status", Static))
            assert not app.screen.result.more and f"{app.screen.result.total:,} entities" in line and "+ entities" not in line

    asyncio.run(scenario())


def test_copy_export_help_and_facets(seed_db_path, tmp_path: Path):
    async def scenario():
        app = WatchlistApp(seed_db_path, export_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_text(app, pilot, "electronics")
            screen = app.screen
            before = screen.result.total
            await pilot.press("down")
            first = screen.facet_choices[0]
            await pilot.press("1")  # narrow to the first facet
            await settle(app, pilot)
            assert first in screen.facets and screen.result.total < before
            await pilot.press("0")
            await settle(app, pilot)
            assert not screen.facets and screen.result.total == before
            clicked = screen.facet_choices[0]
            await pilot.click("#facets", offset=(3, 0))  # the mouse narrows too
            await settle(app, pilot)
            assert screen.facets == {clicked} and screen.result.total < before
            await pilot.press("0")
            await settle(app, pilot)
            current = next(h for h in screen.hits if h.entity_id == screen.current_id())
            await pilot.press("c")
            await settle(app, pilot)
            assert app.clipboard == current.name
            await pilot.press("y")
            await settle(app, pilot)
            assert app.clipboard.startswith(current.name) and "Sources:" in app.clipboard
            await pilot.press("e")
            await settle(app, pilot)
            await pilot.press("m")
            await settle(app, pilot)
            exported = list(tmp_path.glob("search-electronics-*.md"))
            markdown = exported[0].read_text(encoding="utf-8") if len(exported) == 1 else ""
            assert "| name |" in markdown and "## Sources" in markdown  # "with sources": the lists the rows come from
            assert "Entity List" in markdown.split("## Sources")[1]
            await pilot.press("question_mark")
            await settle(app, pilot)
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape", "q")
            await settle(app, pilot)
        assert app.return_code == 0

    asyncio.run(scenario())


def test_sanitiser_makes_controls_visible():
    assert safe_text("A\x1b[31mB\x07\u202e") == "A\\x1b[31mB\\x07\\u202e"
    assert safe_text("[bold]x [/ Co") == "[bold]x [/ Co"


def test_whats_new_filters_and_opens_an_added_entity_with_its_history(seed_db_path):
    from watchlist.tui.screens.changes import ChangesScreen

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("tab")  # out of the search box: capital letters are commands
            await pilot.press("N")
            await settle(app, pilot)
            assert isinstance(app.screen, ChangesScreen)
            summary = text_of(app.screen.query_one("#snapshots", Static))
            assert "Entity List (BIS): +1,424 added  ~812 changed" in summary  # the rows' own counts, one per party
            assert "2024-05-03  Specially Designated Nationals (OFAC): +5,413 added" in summary  # every snapshot
            await pilot.press("slash")
            await type_text(app, pilot, "EL added country:CN,HK")  # typed filters: "EL" is the list, not a name's letters
            assert text_of(app.screen.query_one("#changes-title", Static)).startswith("What's new: 638 changes")
            facets = text_of(app.screen.query_one("#change-facets", Static))
            assert "lists: EL 638" in facets and "changes: added 638" in facets and "CN 542" in facets
            await type_text(app, pilot, "EL added king pai")
            table = app.screen.query_one("#changes", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert len(rows) == 2  # King Pai Technology Co., Ltd. and KingPai Technology Int'l Co., Limited
            assert all(r[1] == "EL" and r[2] == "added" and "87 FR 38925" in r[5] for r in rows)
            await pilot.press("enter")  # the filter hands over to the table
            table.move_cursor(row=next(i for i, r in enumerate(rows) if r[3].startswith("King Pai Technology Co")))
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert text_of(app.screen.query_one("#crumbs", Static)).startswith("What's new › King Pai")
            await pilot.press("3")  # History
            await settle(app, pilot)
            history = app.screen.query_one("#t-history", DataTable)
            dated = [[str(c) for c in history.get_row_at(i)] for i in range(history.row_count)]
            assert dated[-1][:3] == ["2025-11-08", "EL", "added"] and "87 FR 38925" in dated[-1][4]

    asyncio.run(scenario())


def test_records_section_splits_a_merge_and_merges_it_back(seed_db_copy):
    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics co", "Sinno Electronics Co")
            screen = app.screen
            await pilot.press("0")  # Records
            await settle(app, pilot)
            records = screen.query_one("#t-records", DataTable)
            rows = [[str(c) for c in records.get_row_at(i)] for i in range(records.row_count)]
            assert [r[1] for r in rows[:2]] == ["el:sinno elec co ltd:CN,HK", "ofac:38641"]
            assert rows[1][0] == "merged" and rows[1][5].startswith("same name")
            await pilot.press("j", "x")  # take the SDN record out
            await settle(app, pilot)
            await settle(app, pilot)
            rows = [[str(c) for c in records.get_row_at(i)] for i in range(records.row_count)]
            assert len([r for r in rows if r[0] in ("record", "merged")]) == 1
            assert all(r[1] != "ofac:38641" for r in rows if r[0] != "possibly the same")
            db = connect(seed_db_copy, readonly=True)
            assert db.conn.execute("SELECT decision FROM user_resolve_decisions").fetchall() == [("different",)]
            db.conn.close()

    asyncio.run(scenario())


def test_same_entity_review_merges_a_candidate_and_search_shows_one_entity(seed_db_copy):
    from watchlist.store import resolve
    from watchlist.tui.screens.resolve import ResolveScreen

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("tab", "R")
            await settle(app, pilot)
            assert isinstance(app.screen, ResolveScreen)
            table = app.screen.query_one("#candidates", DataTable)
            first = app.screen.rows[0]
            assert table.row_count == len(app.screen.rows) > 10
            assert str(table.get_row_at(0)[1]).startswith(first.a_name[:20])
            await pilot.press("y")
            await settle(app, pilot)
            await settle(app, pilot)
            assert table.row_count == len(app.screen.rows) and first.a_key not in {r.a_key for r in app.screen.rows[:1]}
            db = connect(seed_db_copy, readonly=True)
            ids = dict(db.conn.execute("SELECT key, id FROM entities"))
            assert resolve.group_of(db.conn, ids[first.a_key]) == resolve.group_of(db.conn, ids[first.b_key])
            db.conn.close()
            assert app.index is not None and app.index.group.get(max(ids[first.a_key], ids[first.b_key]))

    asyncio.run(scenario())


def test_number_keys_reach_every_section_from_every_other(seed_db_path):
    """From Trade (two tables), 1 goes to Overview; the breadcrumb stays in view."""

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics", "Sinno Electronics Co")
            sections = app.screen.query_one("#sections", TabbedContent)
            for key, pane in (("8", "trade"), ("1", "overview"), ("7", "goods"), ("1", "overview"), ("0", "records"), ("2", "listings")):
                await pilot.press(key)
                await settle(app, pilot)
                assert sections.active == pane, (key, sections.active)
            assert app.screen.query_one("#crumbs", Static).region.y >= 0 and app.screen.query_one("#crumbs", Static).region.height > 0

    asyncio.run(scenario())


def test_the_key_bar_shows_the_focused_widgets_keys_and_is_rebuilt_only_when_they_change(seed_db_path):
    """Textual's footer rebuilt itself (a widget per key, each restyled) at every focus move; ours only when its keys differ."""
    from textual.widgets._footer import FooterKey

    def shown(app: WatchlistApp) -> list[str]:
        return [k.key for k in app.screen.query(FooterKey)]

    def bound(app: WatchlistApp) -> set[str]:  # the first key of each shown action, and the palette's
        first: dict[str, str] = {}
        for _, b, _, _ in app.screen.active_bindings.values():
            if b.show or b.action == "command_palette":
                first.setdefault(b.action, b.key)
        return set(first.values())

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            in_box = shown(app)
            await type_text(app, pilot, "sinno electronics")
            await pilot.press("down")  # into the results: the row keys (star, note, export) join the bar
            await settle(app, pilot)
            assert isinstance(app.focused, DataTable) and shown(app) != in_box and "w" in shown(app) and "w" not in in_box
            assert set(shown(app)) == bound(app)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            keys, widgets = shown(app), [id(k) for k in app.screen.query(FooterKey)]
            for key in ("2", "3", "7", "1"):  # the focus moves from section to section: the same keys, the same widgets
                focused = app.focused
                await pilot.press(key)
                await settle(app, pilot)
                assert app.focused is not focused
                assert shown(app) == keys and set(keys) == bound(app) and [id(k) for k in app.screen.query(FooterKey)] == widgets

    asyncio.run(scenario())


def test_a_split_in_the_app_rebuilds_the_search_index_once_and_says_nothing_of_other_processes(seed_db_copy, monkeypatch):
    """Our own write reindexes once: the poll must not take it for another process's write and build a second index,
    even when it looks at the store between the split's commit and the moment the app notes the write as its own (the
    split made to linger there past several polls; before, a loaded machine hit that window now and then)."""
    import time

    from watchlist.store import resolve
    from watchlist.tui import app as app_module

    builds: list[int] = []
    real = app_module.open_index

    def counted(conn, check_later=False):
        builds.append(1)
        return real(conn, check_later=check_later)

    split = resolve.split

    def lingering(db, record_id):
        out = split(db, record_id)  # committed: another connection sees the new generation
        time.sleep(0.35)
        return out

    monkeypatch.setattr(app_module, "open_index", counted)
    monkeypatch.setattr(app_module, "STORE_POLL_S", 0.1)
    monkeypatch.setattr(resolve, "split", lingering)

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics co", "Sinno Electronics Co")
            await pilot.press("0")
            await settle(app, pilot)
            index = app.index
            said: list[str] = []
            monkeypatch.setattr(app, "notify", lambda message, **kw: said.append(str(message)))
            await pilot.press("j", "x")  # take the SDN record out
            for _ in range(3):  # past several polls
                await settle(app, pilot)
                await pilot.pause(0.15)
            assert app.index is not index and len(builds) == 2  # the start, then once after the split
            assert not any("elsewhere" in n for n in said), said

    asyncio.run(scenario())


def test_below_120_columns_the_preview_folds_away_and_p_shows_it(seed_db_path):
    async def scenario():
        for size, shown_at_start in (((80, 24), False), ((150, 40), True)):
            app = WatchlistApp(seed_db_path)
            async with app.run_test(size=size) as pilot:
                await settle(app, pilot)
                await type_text(app, pilot, "sinno electronics")
                await pilot.press("down")
                pane = app.screen.query_one("#preview-pane")
                assert pane.display is shown_at_start, size
                table = app.screen.query_one("#results", DataTable)
                assert [str(c.label) for c in table.columns.values()][:4] == ["Name", "Lists", "Status", "Score"]
                await pilot.press("p")
                await settle(app, pilot)
                assert pane.display is not shown_at_start and (not pane.display or pane.region.width > 0)
                await pilot.press("p")
                await settle(app, pilot)
                assert pane.display is shown_at_start

    asyncio.run(scenario())


def test_whats_new_has_no_row_cap_the_rest_follow_as_you_scroll(seed_db_path):
    """The SDN snapshot alone is 5,413 additions: every change can be reached; ctrl+End lays out the next rows."""
    from watchlist.tui.screens import changes as changes_screen

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("tab", "N")
            await settle(app, pilot)
            await pilot.press("slash")
            await type_text(app, pilot, "list:SDN change:added")
            screen = app.screen
            table = screen.query_one("#changes", DataTable)
            total = len(screen.found)
            assert total > 2 * changes_screen.SHOWN and table.row_count == changes_screen.SHOWN
            assert "the rest follow as you scroll" in text_of(screen.query_one("#changes-title", Static))
            table.focus()
            for _ in range(total // changes_screen.SHOWN + 2):
                await pilot.press("ctrl+end")
                await settle(app, pilot)
            assert table.row_count == total == len(screen.shown)
            last = [str(c) for c in table.get_row_at(total - 1)]
            assert last[1] == "SDN" and last[2] == "added" and last[3] == screen.found[-1].name
            assert text_of(screen.query_one("#changes-title", Static)).startswith(f"What's new: {total:,} changes ·")

    asyncio.run(scenario())


def test_the_entity_screen_is_kept_and_shows_the_next_entity_from_the_start(seed_db_path):
    """Opened again, the one entity screen shows the new entity alone: its own trail, the Overview, no rows of the last."""

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics", "Sinno Electronics Co., Ltd.,")
            first = app.screen
            assert isinstance(first, EntityScreen)
            await pilot.press("4")  # its Names section, then away
            await settle(app, pilot)
            sinno_names = names_in(first.query_one("#t-aliases", DataTable))
            await pilot.press("escape", "slash")
            await settle(app, pilot)
            await type_and_open(app, pilot, "world jetta", "World Jetta")
            assert app.screen is first  # the same screen, not a new one
            assert first.query_one("#sections", TabbedContent).active == "overview"
            assert text_of(first.query_one("#crumbs", Static)).startswith("Search › World Jetta")
            assert len(first.trail) == 1 and "World Jetta" in text_of(first.query_one("#overview-text", Static))
            names = names_in(first.query_one("#t-aliases", DataTable))
            assert names and not set(names) & set(sinno_names)
            await pilot.press("escape")  # back to search, in one step: the trail is this entity's alone
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)

    asyncio.run(scenario())


def test_a_code_typed_quickly_on_the_goods_tree_lands_whole_in_the_box_and_jumps(seed_db_path):
    """Keys typed fast (or pasted) reach the screen before the focus has moved to the box: none is lost, Enter jumps."""
    from textual import events

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("down", "g")
            await settle(app, pilot)
            for key in [*"8542.31", "enter"]:  # all queued at once, as a terminal delivers a quick burst
                app.post_message(events.Key(key, "\r" if key == "enter" else key))
            await settle(app, pilot)
            assert app.screen.query_one("#hs-goto", Input).value == "8542.31"
            tree = app.screen.query_one("#hs-tree", Tree)
            assert tree.cursor_node is not None and tree.cursor_node.data == "854231"

    asyncio.run(scenario())


def test_a_table_header_follows_its_columns_when_a_frame_is_drawn_before_they_are_measured():
    """Found in CI under load: the watchlist header stayed at the label widths over a row drawn wider.

    A frame drawn between ``add_row`` and the idle moment when the table measures the row is forced here.
    """
    from textual.app import App

    from watchlist.tui.table import Table

    class One(App):
        CSS = "DataTable { height: 1fr; }"

        def compose(self):
            yield Table()

    async def run() -> tuple[str, str]:
        app = One()
        async with app.run_test(size=(80, 6)) as pilot:
            table = app.query_one(Table)
            table.add_columns("Name", "Lists")
            await pilot.pause()
            table.add_row("Sinno Electronics Co., Limited", "EL")
            table.render_line(0)  # the frame drawn before the idle moment
            await pilot.pause()
            return table.render_line(0).text, table.render_line(1).text

    header, row = asyncio.run(run())
    assert row.index("EL") == header.index("Lists"), (header, row)


def test_the_explorer_starts_on_the_saved_index_and_rebuilds_it_when_another_program_deleted_rows(seed_db_copy):
    """The start shows the saved index as soon as watchlist's own writes say it is current; its counts, checked after,
    catch rows another program deleted: the user is told, and search is rebuilt without them."""
    import sqlite3

    from watchlist.store.index_file import confirmed, open_index

    db = connect(seed_db_copy)
    saved = open_index(db.conn)  # saved beside the store
    outside = sqlite3.connect(seed_db_copy)  # another program deletes a few aliases (no import: no generation bumped)
    outside.execute("DELETE FROM names WHERE id IN (SELECT id FROM names WHERE kind != 'primary' LIMIT 5)")
    outside.commit()
    outside.close()

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "changed by another program" in notices(app)
            assert app.index is not None and confirmed(db.conn, app.index) and len(app.index) == len(saved) - 5

    asyncio.run(scenario())
    db.conn.close()


def test_after_an_upgrade_the_explorer_answers_from_the_saved_index_while_it_builds_its_own(seed_db_copy, monkeypatch):
    """The index another version of watchlist saved (the store unchanged since) is shown first, the user is told search
    is being rebuilt, and this version's own index replaces it and is saved for the next start."""
    from watchlist.store import index_file
    from watchlist.store.index_file import confirmed, open_index, same_code

    db = connect(seed_db_copy)
    open_index(db.conn)  # saved by the version before
    monkeypatch.setattr(index_file, "_code_digest", lambda: "the next version of the code")
    shown = []
    ready = WatchlistApp.on_index_ready

    def record(app, message):
        shown.append(message.index)
        return ready(app, message)

    monkeypatch.setattr(WatchlistApp, "on_index_ready", record)

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "another version of watchlist" in notices(app)
            assert len(shown) == 2 and not same_code(shown[0]) and same_code(shown[1])
            assert app.index is shown[1] and confirmed(db.conn, app.index)
            await type_text(app, pilot, "sinno electronics ")
            assert "sinno" in app.screen.result.hits[0].name.lower()  # this version's index answers

    asyncio.run(scenario())
    assert same_code(open_index(db.conn, check_later=True))  # saved: the next start takes it at once
    db.conn.close()


def test_a_load_superseded_by_a_newer_one_never_replaces_its_answer(seed_db_copy, monkeypatch):
    """A screen's table read twice (a poll's refresh, then another): the first read, slower and older, finishes last,
    and is dropped, not drawn over the newer answer (a star from the CLI shown, then hidden again)."""
    import threading

    from watchlist.tui.screens import watchlist as watchlist_screen

    real = userdata.watchlist
    first_read = threading.Event()
    release = threading.Event()

    def reads(db):
        if not first_read.is_set():  # the first read: what the store held before the star, answered last
            first_read.set()
            rows = real(db)
            release.wait(10)
            return rows
        return real(db)

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            monkeypatch.setattr(watchlist_screen.userdata, "watchlist", reads)
            await pilot.press("down", "W")
            screen = app.screen
            assert isinstance(screen, WatchlistScreen)
            while not first_read.is_set():
                await pilot.pause(0.01)
            db = connect(seed_db_copy)
            userdata.star(db, "ofac:38641", "a star made elsewhere")
            db.conn.close()
            screen.reload()  # the poll's refresh: a newer read
            table = screen.query_one("#starred", DataTable)
            while table.row_count != 1:
                await pilot.pause(0.01)
            release.set()  # the older read finishes now
            await settle(app, pilot)
            assert table.row_count == 1

    asyncio.run(scenario())


def test_a_title_changed_while_a_header_is_torn_down_stops_nothing(seed_db_path):
    """A header retitled after its title widget is gone (a screen closing, the app quitting just after a title change)
    skips the update: Textual's own Header raised NoMatches there and the app stopped with a traceback. A header
    that has its title shows the change."""

    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            header = app.screen.query_one(Header)
            app.sub_title = "first change"
            await pilot.pause()
            assert "first change" in str(header.query_one("HeaderTitle").render())
            await header.query_one("HeaderTitle").remove()  # as when the header is torn down
            app.sub_title = "a change nobody can show"
            await pilot.pause()
            await pilot.pause()
            assert app.is_running and app._exception is None
        assert app.return_code in (0, None)

    asyncio.run(scenario())
