"""Normalisation: legal forms, HK, abbreviations, full width, pinyin, hostile text."""

import pytest

from watchlist.store.normalize import analyze, key_name, variants


@pytest.mark.parametrize(
    "a, b",
    [
        ("Sinno Electronics Co., Ltd.,", "SINNO ELECTRONICS CO., LIMITED"),
        ("World Jetta (H.K.) Logistics Limited", "World Jetta Hong Kong Logistics Ltd"),
        ("World Jetta HK Logistics", "world jetta hongkong logistics"),
        ("KingPai Technology Int'l Co., Limited", "Kingpai Tech International Company Limited"),
        ("保利科技有限公司", "Baoli Keji Youxian Gongsi"),
        ("深圳市鑫瑞泰科技有限公司", "Shenzhen Xinruitai Technology Co., Ltd."),
        ("Ｐｏｌｙ　Ｔｅｃｈ", "poly tech"),
        ("Société Générale", "societe generale"),
    ],
)
def test_same_keys(a, b):
    assert analyze(a).latn == analyze(b).latn


@pytest.mark.parametrize(
    "name, core",
    [
        ("Shenzhen Xinruitai Technology Co., Ltd.", "xinruitai"),
        ("Sinno Electronics Co., Ltd.,", "sinno"),
        ("Xin Rui Tai Electronics (HK) Limited", "xin rui tai"),
        ("China Electronics Technology Group Corporation", "china elec tech"),
    ],
)
def test_core_is_the_trade_name(name, core):
    assert analyze(name).core == core


def test_joined_core_bridges_pinyin_spacing():
    assert analyze("Xin Rui Tai Co").joined == analyze("Xinruitai Company").joined == "xinruitai"
    assert analyze("香港世捷达物流").joined == analyze("Hong Kong Shi Jie Da Logistics").joined == "shijieda"


@pytest.mark.parametrize("text", ["", "\x00", "\ud800", "[/ Co", "\x1b]52;c;aGk=\x07", "🙂" * 50, "a" * 10_000])
def test_hostile_text_never_raises(text):
    keys = analyze(text)
    assert isinstance(keys.latn, str) and "\x1b" not in keys.latn


@pytest.mark.parametrize(
    "a, b",
    [
        ("ПАО Сбербанк", "PAO Sberbank"),
        ("ООО «Ромашка»", "OOO Romashka"),
        ("Общество с ограниченной ответственностью Ромашка", "Romashka LLC"),
        ("Obshchestvo s Ogranichennoy Otvetstvennostyu Romashka", "Romashka Limited Liability Company"),
        ("Акционерное общество Концерн Радиоэлектронные технологии", "JSC Kontsern Radioelektronnye Tekhnologii"),
        ("АО Лазерные системы", "Joint Stock Company Lazernye Sistemy"),
        ("Public Joint Stock Company Sberbank of Russia", "PJSC Sberbank of Russia"),
        ("SiemensAG", "Siemens AG"),
        ("Siemens Aktiengesellschaft", "Siemens AG"),
        ("A.B.C. Company", "ABC Company"),
        ("Hang Zhou Hikvision", "Hangzhou Hikvision"),
        ("Shen Zhen Xinruitai", "Shenzhen Xinruitai"),
    ],
)
def test_scripts_legal_forms_initialisms_and_spaced_places_meet(a, b):
    assert analyze(a).core == analyze(b).core
    assert analyze(a).core  # never folded away


@pytest.mark.parametrize("name", ["Российская Федерация", "Київ", "ТОВ Київ"])
def test_cyrillic_never_folds_to_nothing(name):
    assert analyze(name).latn and analyze(name).latn.isascii()


def test_a_store_keyed_by_the_older_normalisation_is_keyed_again_on_upgrade(seed_db_copy):
    import sqlite3

    from watchlist.store import connect, queries

    conn = sqlite3.connect(seed_db_copy, isolation_level=None)
    ((nid, name),) = conn.execute("SELECT id, name FROM names WHERE latn LIKE '%pjsc%' LIMIT 1").fetchall()
    conn.execute("UPDATE names SET latn = 'stale', core = 'stale' WHERE id = ?", (nid,))
    conn.execute("DROP TABLE facts")  # what migration 9 adds
    conn.execute("ALTER TABLE relations DROP COLUMN role")
    conn.execute("DROP TABLE user_aliases")  # what migration 12 adds (its triggers go with it)
    conn.execute("DROP TABLE resolve_blocks")  # ... and 15
    conn.execute("PRAGMA user_version = 6")
    conn.close()
    db = connect(seed_db_copy)
    assert db.conn.execute("SELECT latn, core FROM names WHERE id = ?", (nid,)).fetchone() == (analyze(name).latn, analyze(name).core)
    assert queries.stats(db)["entities"] > 10_000
    db.conn.close()


def test_entity_keys_of_chinese_names_stay_frozen_while_matching_translates():
    """Keys are what user data hangs on: the newer word and brand tables change matching, never a key."""
    assert key_name("中国北方工业集团有限公司") == "china beifanggongye group co ltd"
    assert analyze("中国北方工业集团有限公司").latn == "china north ind group co ltd"
    assert [k.latn for k in variants("保利科技有限公司")] == ["baoli tech co ltd", "poly tech co ltd"]
