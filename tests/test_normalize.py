"""Normalisation: legal forms, HK, abbreviations, full width, pinyin, hostile text."""

import pytest

from watchlist.store.normalize import analyze


@pytest.mark.parametrize("a, b", [
    ("Sinno Electronics Co., Ltd.,", "SINNO ELECTRONICS CO., LIMITED"),
    ("World Jetta (H.K.) Logistics Limited", "World Jetta Hong Kong Logistics Ltd"),
    ("World Jetta HK Logistics", "world jetta hongkong logistics"),
    ("KingPai Technology Int'l Co., Limited", "Kingpai Tech International Company Limited"),
    ("保利科技有限公司", "Baoli Keji Youxian Gongsi"),
    ("深圳市鑫瑞泰科技有限公司", "Shenzhen Xinruitai Technology Co., Ltd."),
    ("Ｐｏｌｙ　Ｔｅｃｈ", "poly tech"),
    ("Société Générale", "societe generale"),
])
def test_same_keys(a, b):
    assert analyze(a).latn == analyze(b).latn


@pytest.mark.parametrize("name, core", [
    ("Shenzhen Xinruitai Technology Co., Ltd.", "xinruitai"),
    ("Sinno Electronics Co., Ltd.,", "sinno"),
    ("Xin Rui Tai Electronics (HK) Limited", "xin rui tai"),
    ("China Electronics Technology Group Corporation", "china elec tech"),
])
def test_core_is_the_trade_name(name, core):
    assert analyze(name).core == core


def test_joined_core_bridges_pinyin_spacing():
    assert analyze("Xin Rui Tai Co").joined == analyze("Xinruitai Company").joined == "xinruitai"
    assert analyze("香港世捷达物流").joined == analyze("Hong Kong Shi Jie Da Logistics").joined == "shijieda"


@pytest.mark.parametrize("text", ["", "\x00", "\ud800", "[/ Co", "\x1b]52;c;aGk=\x07", "🙂" * 50, "a" * 10_000])
def test_hostile_text_never_raises(text):
    keys = analyze(text)
    assert isinstance(keys.latn, str) and "\x1b" not in keys.latn
