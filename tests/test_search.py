"""The search engine on the real seed: variants people type, filters, facets, hostile input."""

from __future__ import annotations

import json

import pytest

from watchlist.store.index_file import open_index
from watchlist.store.search import Filters, SearchIndex, parse_query


@pytest.fixture(scope="module")
def index(seed_db_path):
    import sqlite3

    conn = sqlite3.connect(seed_db_path)
    yield open_index(conn)
    conn.close()


def top_names(index: SearchIndex, query: str, n: int = 3, **kw) -> list[str]:
    result = index.search(query, **kw)
    return [h.name for h in result.hits[:n]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sinno electronics", "Sinno Electronics Co., Ltd.,"),
        ("sino electronic", "Sinno Electronics"),  # typo, suffix dropped
        ("sino electronc", "Sinno Electronics"),  # and the industry word misspelled too (normalize.FORM_SLIPS)
        ("hikvison technolgy", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."),
        ("electronics sinno hong kong", "Sinno Electronics Co., Ltd.,"),  # word order, HK
        ("World Jeta HK Logistics", "World Jetta (H.K.) Logistics Limited"),
        ("Hong Kong Shijieda", "World Jetta (H.K.) Logistics Limited"),  # alias
        ("konecot", "Connec Electronic Ltd."),
        ("Ke Nai Ke Te", "Connec Electronic Ltd."),  # pinyin alias, spacing
        ("kenaikete", "Connec Electronic Ltd."),
        ("King-Pai Technology (HK) Co., Limited", "King Pai Technology Co., Ltd."),
        ("poly technologies", "Poly Technologies Inc."),
    ],
)
def test_finds_what_people_type(index, query, expected):
    assert expected in top_names(index, query, 3)


def test_prefix_while_typing(index):
    # Two Sinno entities: the Vilnius one, and the Shenzhen/Hong Kong one listed by BIS and OFAC (resolved into one).
    assert sum(name.lower().startswith("sinno") for name in top_names(index, "sinn", 4)) == 2


def test_typing_reads_the_sums_of_the_words_typed_kept_from_the_keystroke_before(seed_db_path):
    """While a name is typed, the candidates' sums of the words already typed are kept between keystrokes: each
    keystroke's candidates are those summed afresh, whatever budget cut the common words short, names typed one after
    the other and the same words typed again."""
    import sqlite3

    from watchlist.store.search import query_keys

    conn = sqlite3.connect(seed_db_path)
    typed, fresh = open_index(conn), open_index(conn)
    texts = ("Sinno Electronics Co", "Shenzhen Technology Electronics Trading", "Sinno Technology Ltd", "ПАО Сбербанк Росс")
    texts += ("Hong Kong Shijieda Logistics",)
    reused = 0
    for budget in (30_000, 300, 10, 30_000):
        for text in texts:
            for end in range(1, len(text) + 1):
                q = query_keys(text[:end], typed.says)[0]
                if not q.latn:
                    continue
                sums = len(typed._sums)
                kept = typed._candidates(q, True, lambda e: True, budget=budget)
                reused += sums > 0 and len(typed._sums) == sums and " " in text[:end].strip()
                fresh._sums.clear()
                assert fresh._candidates(q, True, lambda e: True, budget=budget) == kept, (text[:end], budget)
    assert reused > 50 and 0 < len(typed._sums) <= 9
    conn.close()


def test_hit_names_the_alias_that_matched(index):
    hit = index.search("Hong Kong Shijieda Logistics").hits[0]
    assert hit.name.startswith("World Jetta") and hit.matched_name.startswith("Hong Kong Shijieda")
    assert hit.matched_kind == "aka" and 0 <= hit.score <= 100


def test_filters_and_facets(index):
    everything = index.search("electronics")
    assert everything.facets["list"]["EL"] > 0 and everything.facets["country"]["HK"] > 0
    hk_el = index.search("electronics", Filters(countries={"HK"}, lists={"EL"}))
    assert hk_el.total and all("HK" in h.countries and "EL" in h.lists for h in hk_el.hits)
    assert hk_el.total < everything.total
    people = index.search("wang", Filters(kinds={"person"}))
    assert people.hits and all(h.kind == "person" for h in people.hits)
    removed = index.search("", Filters(status="removed"))
    assert removed.hits and all(not h.lists and h.removed_lists for h in removed.hits)
    tier1 = index.search("", Filters(tier="1"))
    assert any(h.name.startswith("Sinno") for h in tier1.hits)


def test_facets_counted_by_number_once_warm_are_those_counted_value_by_value(seed_db_path):
    """Once warm, facets count each entity's number for its lists, countries and kind, then what each number stands
    for: the same counts in the same order (ties as each value first appears) as counting value by value, cold."""
    import sqlite3

    conn = sqlite3.connect(seed_db_path)
    cold = open_index(conn)
    queries = ["electronics", "shenzhen", "hong kong", "wang", "", "china", "technology ltd", "moscow", "bank"]
    before = [cold.search(q).facets for q in queries]
    browsing = cold.search("", Filters(status="removed")).facets
    assert cold._facet_codes() is None
    cold.warm()
    assert cold._facet_codes() is not None
    cold._places_found.clear()  # places found cold were kept with their facets
    assert [cold.search(q).facets for q in queries] == before
    assert cold.search("", Filters(status="removed")).facets == browsing
    assert before[0]["list"] and before[0]["country"] and before[0]["kind"] and sum(before[1]["kind"].values()) > 50
    conn.close()


def test_typed_filters():
    text, f = parse_query("country:HK list:EL,MEU tier:1 sinno kind:company")
    assert text == "sinno" and f.countries == {"HK"} and f.lists == {"EL", "MEU"} and f.tier == "1"
    assert f.kinds == {"company"}


def test_empty_query_lists_latest_listings_first(index):
    hits = index.search("", limit=20).hits
    dates = [h.listed for h in hits]
    assert dates == sorted(dates, reverse=True) and dates[0] >= "2025"


@pytest.mark.parametrize(
    "query",
    ['"', 'Poly"', "AND", "NEAR(", "*", "(HK", "[/", "[bold]x", "]]]][[", "🙂🙂", "x" * 10_000, "\x00", "\ud800", "-", "a OR b", "country:", ":::"],
)
def test_hostile_queries_never_raise(index, query):
    result = index.search(query)
    assert result is not None and isinstance(result.hits, list)


def test_cancel_stops_scoring(index):
    assert index.search("electronics", cancelled=lambda: True) is None


def test_slip_in_the_first_letter_is_found_when_nothing_else_is(index):
    assert "Sinno Electronics Co., Ltd.," in top_names(index, "isnno electronics ", 3)


def test_federal_register_connectives_are_not_names(seed_db):
    fragments = seed_db.conn.execute("SELECT count(*) FROM names WHERE name LIKE '(all of preceding%' OR name = 'and'")
    assert fragments.fetchone()[0] == 0


def test_the_search_boxs_examples_find_what_they_suggest(index):
    from watchlist.tui.screens.search import EXAMPLES

    expected = ("Sinno Electronics", "Poly Technologies", "HANGZHOU HIKVISION", "SBERBANK OF RUSSIA")
    for query, name in zip(EXAMPLES, expected, strict=True):
        assert name in index.search(query + " ", limit=1).hits[0].name, query


def test_a_query_of_place_words_lists_the_entities_in_that_place(index, seed_db_path):
    import sqlite3

    conn = sqlite3.connect(seed_db_path)
    result = index.search("shenzhen ", limit=500)
    assert result.total >= 150  # 52 Entity List names alone say Shenzhen; addresses add the rest
    assert index.search("深圳 ", limit=1).total == result.total  # the same place in characters
    for hit in result.hits:
        there = (
            "shenzhen" in hit.matched_name.lower()
            or conn.execute(
                "SELECT 1 FROM addresses a JOIN entities e ON e.id = a.entity_id WHERE e.key IN (SELECT value FROM json_each(?))"
                " AND lower(a.address) LIKE '%shenzhen%'",
                (json.dumps(hit.records),),
            ).fetchone()
        )
        assert there, hit.name
    named = [h for h in result.hits if h.score == 70.0]
    assert named and all("shenzhen" in h.matched_name.lower().replace(" ", "") for h in named)  # names first
    assert index.search("shenzhen sinno ", limit=1).hits[0].name.startswith("Sinno")  # with a name: a name search


def test_a_place_lists_each_group_actively_listed_first_then_newest_listing_first_undated_last(index):
    """Names saying the place, then addresses there, then the country's entities: in each, what an active listing names
    first, then the latest listing date, newest first, and entities without a date after those with one."""
    for query in ("shenzhen ", "hong kong ", "china "):
        hits = index.search(query, limit=5000).hits
        assert len(hits) >= 100, query
        for score in {h.score for h in hits}:
            group = [(not h.lists, not h.listed, "".join(chr(0x7F - ord(c)) for c in h.listed)) for h in hits if h.score == score]
            assert group == sorted(group), (query, score)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert any(h.listed for h in hits) and any(not h.listed for h in hits)  # both kinds present: the order is tested


def test_a_territory_in_the_name_counts_for_the_country_filter(index):
    """World Jetta (H.K.) Logistics: BIS gives its Shenzhen address, so its country is CN; its name says Hong Kong."""
    text, filters = parse_query("world jetta country:HK ")
    assert any(h.name.startswith("World Jetta (H.K.)") for h in index.search(text + " ", filters).hits)
