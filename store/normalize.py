"""Name normalisation shared by importers, search and screening.

Every name is reduced once, at import time, to two keys stored beside it:

- ``latn``: the whole name folded to lowercase Latin tokens (NFKC, diacritics
  dropped, punctuation to spaces, Chinese characters to pinyin, HK/H.K./Hong
  Kong/香港 to ``hk``, legal forms and common abbreviations to one spelling);
- ``core``: the distinctive trade name: ``latn`` without legal forms, places
  and industry words, the part that tells one company from its siblings.

Queries go through the same function, so a query in any script (Chinese
characters to pinyin, Cyrillic by BGN/PCGN with Russian legal forms), with or
without "Co., Ltd.", finds the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# Chinese-script words replaced before transliteration, longest first: legal forms, places, and the industry and
# organisation words of firm names, translated as the firms themselves translate them, so that a name written in
# characters meets its English name ("中国北方工业集团" → "china north industries group"). Then the Chinese names of
# firms on the lists whose English name is a brand, not a translation (海康威视 → Hikvision); the rest goes to pinyin.
_HAN_WORDS: dict[str, str] = {
    # legal forms and organisation words
    "股份有限公司": " co ltd ",
    "有限责任公司": " co ltd ",
    "有限公司": " co ltd ",
    "集团": " group ",
    "公司": " co ",
    "控股": " holdings ",
    "实业": " industrial ",
    "企业": " enterprise ",
    "分公司": " branch ",
    "总公司": " corp ",
    "研究所": " research institute ",
    "研究院": " research institute ",
    "研究中心": " research center ",
    "中心": " center ",
    "大学": " university ",
    "学院": " institute ",
    "工程大学": " engineering university ",
    "理工大学": " university of science and tech ",
    "航空航天大学": " university of aeronautics and astronautics ",
    "科学院": " academy of sciences ",
    "工程物理研究院": " academy of engineering physics ",
    "国防科技大学": " national university of defense tech ",
    # industry words
    "科技": " tech ",
    "技术": " tech ",
    "电子": " elec ",
    "微电子": " microelectronics ",
    "光电": " optoelectronics ",
    "贸易": " trading ",
    "进出口": " import export ",
    "国际": " intl ",
    "物流": " logistics ",
    "信息": " information ",
    "数字": " digital ",
    "通信": " communications ",
    "通讯": " communications ",
    "网络": " network ",
    "软件": " software ",
    "智能": " intelligent ",
    "半导体": " semiconductor ",
    "集成电路": " integrated circuit ",
    "制造": " mfg ",
    "设备": " equip ",
    "装备": " equip ",
    "仪器": " instrument ",
    "精密": " precision ",
    "机械": " machinery ",
    "材料": " materials ",
    "化工": " chemical ",
    "能源": " energy ",
    "新能源": " new energy ",
    "电力": " electric power ",
    "电气": " electric ",
    "投资": " investment ",
    "发展": " dev ",
    "开发": " dev ",
    "航运": " shipping ",
    "船舶": " shipbuilding ",
    "重工": " heavy industry ",
    "工业": " industries ",
    "航空": " aviation ",
    "航天": " aerospace ",
    "发动机": " aero engine ",
    "航空发动机": " aero engine ",
    "创新": " innovation ",
    "海洋": " marine ",
    "兵器": " ordnance ",
    "核工业": " nuclear industry ",
    "无线电": " radio ",
    "雷达": " radar ",
    "卫星": " satellite ",
    "导航": " navigation ",
    "计算机": " computer ",
    "自动化": " automation ",
    "机电": " electromechanical ",
    "光学": " optical ",
    "激光": " laser ",
    "仪表": " instruments ",
    "控制": " control ",
    "汽车": " automobile ",
    "钢铁": " steel ",
    "金属": " metals ",
    "矿业": " mining ",
    "化学": " chemical ",
    "生物": " bio ",
    "医疗": " medical ",
    "银行": " bank ",
    "动力": " power ",
    "无人机": " uav ",
    "机器人": " robotics ",
    "芯片": " chip ",
    "工贸": " industry and trade ",
    "实验室": " laboratory ",
    "石油": " oil ",
    "海洋石油": " offshore oil ",
    "天然气": " natural gas ",
    "移动": " mobile ",
    "电信": " telecom ",
    "联合": " united ",
    "铁建": " railway construction ",
    "交通建设": " communications construction ",
    "建设": " construction ",
    "特种": " special ",
    "产业": " industry ",
    "系统": " systems ",
    "工程": " engineering ",
    "北方": " north ",
    "南方": " south ",
    "服务": " services ",
    "供应链": " supply chain ",
    # places
    "香港": " hk ",
    "澳门": " macau ",
    "中国": " china ",
    "中华": " china ",
    "深圳": " shenzhen ",
    "北京": " beijing ",
    "上海": " shanghai ",
    "广州": " guangzhou ",
    "苏州": " suzhou ",
    "杭州": " hangzhou ",
    "武汉": " wuhan ",
    "长沙": " changsha ",
    "厦门": " xiamen ",
    "成都": " chengdu ",
    "天津": " tianjin ",
    "重庆": " chongqing ",
    "西安": " xian ",
    "西北": " northwestern ",
    "珠海": " zhuhai ",
    "浙江": " zhejiang ",
    "江苏": " jiangsu ",
    "广东": " guangdong ",
    "山东": " shandong ",
    "福建": " fujian ",
    "湖南": " hunan ",
    "湖北": " hubei ",
    "四川": " sichuan ",
    "陕西": " shaanxi ",
    "河南": " henan ",
    "河北": " hebei ",
    "安徽": " anhui ",
    "辽宁": " liaoning ",
    "吉林": " jilin ",
    "黑龙江": " heilongjiang ",
    "云南": " yunnan ",
    "广西": " guangxi ",
    "江西": " jiangxi ",
    "山西": " shanxi ",
    "海南": " hainan ",
    "南京": " nanjing ",
    "东莞": " dongguan ",
    "宁波": " ningbo ",
    "青岛": " qingdao ",
    "大连": " dalian ",
    "沈阳": " shenyang ",
    "哈尔滨": " harbin ",
    "合肥": " hefei ",
    "佛山": " foshan ",
    "郑州": " zhengzhou ",
    "济南": " jinan ",
    "昆明": " kunming ",
    "南昌": " nanchang ",
    "株洲": " zhuzhou ",
    "无锡": " wuxi ",
    "常州": " changzhou ",
    "绵阳": " mianyang ",
    "新疆": " xinjiang ",
    "内蒙古": " inner mongolia ",
    "丹东": " dandong ",
}
# Brands: the English names the lists use for firms known in Chinese by another name. A query in characters is
# also tried with these (``variants``); names are not keyed by them, so "保利科技" still reads "baoli tech".
_HAN_BRANDS: dict[str, str] = {
    "海康威视": " hikvision ",
    "大疆": " dji ",
    "中芯国际集成电路制造": " semiconductor manufacturing intl ",  # SMIC's registered name
    "中芯国际": " semiconductor manufacturing intl ",
    "科大讯飞": " iflytek ",
    "讯飞": " iflytek ",
    "旷视": " megvii ",
    "商汤": " sensetime ",
    "浪潮": " inspur ",
    "中科曙光": " sugon ",
    "曙光": " dawning ",
    "海能达": " hytera ",
    "保利": " poly ",
    "飞腾": " phytium ",
    "长江存储": " yangtze memory ",
    "中兴": " zte ",
    "中车": " crrc ",
    "中远海运": " cosco shipping ",
    "中远": " cosco ",
    "中国电科": " cetc ",
    "中航工业": " avic ",
    "航天科工": " aerospace sci and industry ",
    "航天科技": " aerospace sci and tech ",
    "兵器装备": " south industries ",
    "广核": " general nuclear power ",
    "核工业建设": " nuclear engineering ",
    "电子信息产业": " elec ",
    "船舶重工": " shipbuilding industry ",
    "哈尔滨工业大学": " harbin institute of tech ",
    "西北工业大学": " northwestern polytechnical university ",
    "北京理工大学": " beijing institute of tech ",
    "北京航空航天大学": " beihang university aeronautics and astronautics ",
    "依图": " yitu ",
    "云从": " cloudwalk ",
    "华大基因": " bgi ",
    "美亚柏科": " meiya pico ",
    "宇视": " uniview ",
    "紫光": " unigroup ",
    "长鑫": " cxmt ",
    "华虹": " hua hong ",
    "上海微电子": " shanghai micro elec ",
}
# Entity keys (``key_name``) fold Chinese with this first table only, frozen, so that user data stays attached.
_KEY_HAN_WORDS: dict[str, str] = {
    "股份有限公司": " co ltd ",
    "有限责任公司": " co ltd ",
    "有限公司": " co ltd ",
    "集团": " group ",
    "公司": " co ",
    "科技": " tech ",
    "技术": " tech ",
    "电子": " elec ",
    "贸易": " trading ",
    "进出口": " import export ",
    "国际": " intl ",
    "物流": " logistics ",
    "香港": " hk ",
    "澳门": " macau ",
    "中国": " china ",
    "深圳": " shenzhen ",
    "北京": " beijing ",
    "上海": " shanghai ",
    "广州": " guangzhou ",
    "苏州": " suzhou ",
    "杭州": " hangzhou ",
    "武汉": " wuhan ",
    "长沙": " changsha ",
    "厦门": " xiamen ",
    "成都": " chengdu ",
    "天津": " tianjin ",
    "重庆": " chongqing ",
    "西安": " xian ",
}
_HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_NUMBER = re.compile(r"第([零〇一二两三四五六七八九十百]+)")


def _han_number(text: str) -> int:
    """A Chinese numeral up to 999 ("十三" → 13, "七二二" → 722, "六一二" → 612)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_HAN_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif c == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _HAN_DIGITS[c]
    return total + digit


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _han_re(table: dict[str, str]) -> re.Pattern[str]:
    return re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))


_HAN_TABLES = {  # (for_key, brands) → (pattern, table)
    (True, False): (_han_re(_KEY_HAN_WORDS), _KEY_HAN_WORDS),
    (False, False): (_han_re(_HAN_WORDS), _HAN_WORDS),
    (False, True): (_han_re(_HAN_WORDS | _HAN_BRANDS), _HAN_WORDS | _HAN_BRANDS),
}
_HAN_CITY_SUFFIX = re.compile(r"(shenzhen|beijing|shanghai|guangzhou|suzhou|hangzhou|wuhan|changsha|xiamen|chengdu|tianjin|chongqing|xian) (?=[市省])")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Token spellings folded to one canonical form (also joined pinyin and spaced forms).
CANON: dict[str, str] = {
    "limited": "ltd",
    "ltd": "ltd",
    "company": "co",
    "co": "co",
    "corporation": "corp",
    "corp": "corp",
    "incorporated": "inc",
    "inc": "inc",
    "llc": "llc",
    "plc": "plc",
    "gmbh": "gmbh",
    "group": "group",
    "jituan": "group",
    "youxian": "ltd",
    "gongsi": "co",
    "youxiangongsi": "co ltd",
    "gufen": "",
    "youxianzeren": "ltd",
    "technology": "tech",
    "technologies": "tech",
    "tech": "tech",
    "technical": "tech",
    "keji": "tech",
    "jishu": "tech",
    "electronic": "elec",
    "electronics": "elec",
    "elec": "elec",
    "electron": "elec",
    "dianzi": "elec",
    "international": "intl",
    "intl": "intl",
    "int": "intl",
    "guoji": "intl",
    "science": "sci",
    "sciences": "sci",
    "scientific": "sci",
    "sci": "sci",
    "institute": "inst",
    "inst": "inst",
    "institution": "inst",
    "industrial": "ind",
    "industry": "ind",
    "industries": "ind",
    "ind": "ind",
    "trading": "trading",
    "trade": "trading",
    "maoyi": "trading",
    "hongkong": "hk",
    "hk": "hk",
    "xianggang": "hk",
    "hkg": "hk",
    "logistic": "logistics",
    "logistics": "logistics",
    "wuliu": "logistics",
    "development": "dev",
    "dev": "dev",
    "manufacturing": "mfg",
    "mfg": "mfg",
    "engineering": "eng",
    "eng": "eng",
    "equipment": "equip",
    "equip": "equip",
    "aviation": "aviation",
    "aeronautical": "aero",
    "aeronautics": "aero",
    "aero": "aero",
    "zhongguo": "china",
    "shenzhenshi": "shenzhen",
}
# Entity keys ("el:sinno elec co ltd:CN,HK") are made with the spellings above only (key_name), so that user data
# keyed by them stays attached however matching improves below.
_KEY_CANON: dict[str, str] = dict(CANON)
CANON.update(
    {
        # legal forms written out, in the languages of the lists' firms (spaced tokens are joined to look these up)
        "limitedliabilitycompany": "llc",
        "limitedliabilitypartnership": "llp",
        "jointstockcompany": "jsc",
        "publicjointstockcompany": "pjsc",
        "openjointstockcompany": "ojsc",
        "closedjointstockcompany": "cjsc",
        "obshchestvosogranichennoiotvetstvennostyu": "ooo",
        "obshchestvosogranichennoyotvetstvennostyu": "ooo",
        "aktsionernoeobshchestvo": "jsc",
        "publichnoeaktsionernoeobshchestvo": "pao",
        "otkrytoeaktsionernoeobshchestvo": "oao",
        "zakrytoeaktsionernoeobshchestvo": "zao",
        "aktiengesellschaft": "ag",
        "gesellschaftmitbeschrankterhaftung": "gmbh",
        "sociedadanonima": "sa",
        "societeanonyme": "sa",
        "sociedadelimitada": "ltda",
        "kabushikikaisha": "kk",
        "sendirianberhad": "sdn bhd",
        "privatelimited": "pte ltd",
        "jointstockco": "jsc",
        "limitedliabilityco": "llc",
        "publicjointstockco": "pjsc",
        "openjointstockco": "ojsc",
        "closedjointstockco": "cjsc",
        "trdg": "trading",
    }
)
# Mainland cities and provinces as pinyin: place words of a name (PLACES), and, written spaced ("Hang Zhou", "Shen Zhen"),
# one word again (CANON).
CHINESE_PLACES = (
    "shenzhen",
    "beijing",
    "shanghai",
    "guangzhou",
    "suzhou",
    "hangzhou",
    "wuhan",
    "changsha",
    "xiamen",
    "chengdu",
    "tianjin",
    "chongqing",
    "xian",
    "nanjing",
    "dongguan",
    "ningbo",
    "qingdao",
    "dalian",
    "shenyang",
    "harbin",
    "hefei",
    "zhuhai",
    "foshan",
    "zhengzhou",
    "jinan",
    "kunming",
    "nanchang",
    "guangdong",
    "jiangsu",
    "zhejiang",
    "shandong",
    "fujian",
    "hunan",
    "hubei",
    "sichuan",
    "shaanxi",
    "henan",
    "hebei",
    "anhui",
    "liaoning",
    "jilin",
    "heilongjiang",
    "yunnan",
    "guangxi",
    "jiangxi",
    "shanxi",
    "hainan",
)
CANON.update({place: place for place in CHINESE_PLACES if place not in CANON})
STOPWORDS = frozenset({"and", "the", "of", "for", "a", "an", "aka", "fka"})
LEGAL = frozenset(
    {
        "ltd",
        "co",
        "corp",
        "inc",
        "llc",
        "plc",
        "gmbh",
        "group",
        "sa",
        "ag",
        "bv",
        "oao",
        "ooo",
        "zao",
        "pao",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "fzco",
        "fze",
        "llp",
        "lp",
        "pte",
        "pty",
        "sdn",
        "bhd",
        "srl",
        "spa",
        "kg",
        "ab",
        "as",
        "ltda",
        "kk",
        "sarl",
        "too",
        "tov",
    }
)
# "SZ" is how Hong Kong and mainland firms abbreviate Shenzhen in their English names ("SZ DJI Technology").
PLACES = frozenset({"hk", "china", "prc", "macau", "macao", "kowloon", *CHINESE_PLACES, "sz", "russia", "moscow", "russian"})
INDUSTRY = frozenset(
    {
        "tech",
        "elec",
        "intl",
        "sci",
        "inst",
        "ind",
        "trading",
        "logistics",
        "dev",
        "mfg",
        "eng",
        "equip",
        "import",
        "export",
        "components",
        "component",
        "materials",
        "material",
        "systems",
        "system",
        "services",
        "service",
        "holdings",
        "holding",
        "enterprise",
        "enterprises",
        "semiconductor",
        "semiconductors",
        "microelectronics",
        "products",
        "supply",
        "supplies",
        "research",
        "commercial",
        "industrial",
        "global",
        "investment",
        "national",  # 中国 is as often "China National" as "China": CNOOC is "China National Offshore Oil"
        "innovation",
    }
)
GENERIC = LEGAL | PLACES | INDUSTRY
# Everyday words of firm names: a name made only of these and GENERIC ("Institute of Electric Power", "Industrial
# Bank", "China Mobile") describes rather than names a firm, so it matches only a query that says the same words.
_COMMON_WORDS = """
academy aerospace agency agricultural air aircraft airlines airport alliance aluminium aluminum american and applied
arms asia association automation automobile automotive auto aviation bank banking bio biotech bioengineering board
branch building bureau business cable capital car carbon cargo center central centre chain chemical chemicals
chemistry circuit city civil clean cloud coal commerce commission committee communication communications computer
computing concern construction consulting control copper corp council credit culture data defence defense department
design device devices diamond digital direct distribution east eastern economic education electric electrical
electromechanical energy engine engines environmental exchange experimental exploration factory farm fashion federal
finance financial fire first fleet food foods force forces foreign forest fuel fund future gas general geological
glass global gold golden great green health heavy helicopter helicopters high home hospital hotel house information
infrastructure innovation innovations instrument instruments insurance integrated intelligent investments iron
jewellery joint king lab laboratories laboratory land laser leasing life light line lines link machine machinery
machines maintenance management marine maritime market media medical medicine metal metallurgical metals military mine
mineral minerals mining ministry missile mobile motor motors national natural navigation network networks new north
northern nuclear ocean office oil optical optics ordnance overseas pacific paper park partners people petrochemical
petroleum pharmaceutical pharmaceuticals physics pipeline plant plastics port power precision press production
professional project projects property public quality radar radio rail railway real recycling regional repair resource
resources rocket royal rubber safety satellite scientific sea security shipbuilding shipping ships silicon smart
software solar solutions south southern space special sport sports standard star state station steel stock storage
strategic studio sun superior systems tank telecom telecommunications telecommunication television terminal textile
textiles tool tools tower trade transport transportation travel trust union united universal university vehicle
vehicles venture vision water west western wind wireless world
"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())

_MERGE_MAX = 4  # longest run of spaced tokens merged into one canonical token


def _slips(word: str) -> set[str]:
    """Misspellings of a place name that are typing slips, the first letter kept: two neighbouring letters swapped
    ("Chnia") and, in a long name, an h or i left out ("Shenzen", "Bejing"); other drops make other pinyin words."""
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1) if word[i] != word[i + 1]}
    dropped = {word[:i] + word[i + 1 :] for i in range(1, len(word)) if word[i] in "hi"} if len(word) >= 7 else set()
    return swapped | dropped


# Slips in place names, read as the place: never a slip that is itself a place or a word the tables know.
PLACE_SLIPS: dict[str, str] = {
    slip: place
    for place in sorted(p for p in PLACES if len(p) >= 6 or p == "china")  # the short provinces' slips are other words
    for slip in _slips(place)
    if slip not in PLACES and slip not in CANON
}


def _form_slips() -> dict[str, str]:
    """Misspellings of a spelled-out legal form or industry word of eight letters or more ("Electronc", "Tecnology",
    "Internatonal"): a letter left out or two neighbours swapped, the first letter kept, read as the word's folded
    form. Never a slip that is itself a word the tables know, nor one two words share."""
    seen: dict[str, set[str]] = {}
    for word, folded in CANON.items():
        if 8 <= len(word) <= 14 and folded.split() and all(t in LEGAL or t in INDUSTRY for t in folded.split()) and folded not in PLACES:
            dropped = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
            swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1) if word[i] != word[i + 1]}
            for slip in dropped | swapped:
                seen.setdefault(slip, set()).add(folded)
    return {slip: next(iter(f)) for slip, f in seen.items() if len(f) == 1 and slip not in CANON and slip not in PLACES and slip not in STOPWORDS}


# Read so in queries only (``unslip``), where no stored name has the slip as a word: a name's keys stay as written.
FORM_SLIPS = _form_slips()


def unslip(keys: NameKeys, known: Callable[[str], bool]) -> NameKeys:
    """A query's keys with each misspelled legal form or industry word (``FORM_SLIPS``) read as the word, unless
    ``known(word)`` (a stored name says it so): "sino electronc" is "sino elec", as "sino electronic" is."""
    toks = keys.latn.split()
    fixed = [FORM_SLIPS[t].split() if t in FORM_SLIPS and not known(t) else [t] for t in toks]
    if all(len(f) == 1 and f[0] == t for f, t in zip(fixed, toks, strict=True)):
        return keys
    out = [t for f in fixed for t in f]
    return NameKeys(" ".join(out), " ".join(core_of(out)))


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The match keys of one name: folded Latin tokens and the distinctive core."""

    latn: str
    core: str

    @property
    def joined(self) -> str:
        """The core without spaces: "Xin Rui Tai" and "Xinruitai" meet here."""
        return self.core.replace(" ", "")


def _pinyin(text: str) -> str:
    """Toneless pinyin of a run of Chinese characters, as pypinyin's ``lazy_pinyin`` reads it: cut into words as it cuts
    them (its phrase dictionary picks a character's reading), each word's reading kept (names share their words)."""
    from pypinyin.seg.simpleseg import seg  # deferred: pypinyin (its dictionaries) loads only when Chinese appears

    return "".join(map(_word_pinyin, seg(text)))


@lru_cache(maxsize=1 << 16)
def _word_pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def _fold_han(text: str, for_key: bool, brands: bool) -> str:
    pattern, table = _HAN_TABLES[(for_key, brands and not for_key)]
    if not for_key:
        text = _HAN_NUMBER.sub(lambda m: f" {_ordinal(_han_number(m.group(1)))} ", text)
    text = pattern.sub(lambda m: table[m.group(0)], text)
    text = _HAN_CITY_SUFFIX.sub(r"\1 ", text)
    text = text.replace("市", " ").replace("省", " ")
    return _HAN_CHAR.sub(lambda m: " " + _pinyin(m.group(0)) + " ", text)


# Cyrillic: Russian legal forms to their usual Latin abbreviations, then letters by BGN/PCGN (what OFAC and BIS
# write: Rossiyskiy, Tekhnologii, Obshchestvo), Ukrainian letters included.
_CYRILLIC_CHAR = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_FORMS = (
    ("общество с ограниченной ответственностью", " ooo "),
    ("публичное акционерное общество", " pao "),
    ("открытое акционерное общество", " oao "),
    ("закрытое акционерное общество", " zao "),
    ("акционерное общество", " jsc "),
    ("товарищество с ограниченной ответственностью", " too "),
    ("индивидуальный предприниматель", " ip "),
)
_CYRILLIC_AO = re.compile(r"(?<![\w])ао(?![\w])")
_CYRILLIC = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "і": "i",
        "ї": "yi",
        "є": "ye",
        "ґ": "g",
        "ў": "u",
    }
)
# A legal form glued to the name ("SiemensAG", "AcmeLtd"), split before case is folded.
_GLUED_FORM = re.compile(r"(?<=[a-z])(AG|GmbH|GMBH|LLC|Ltd|LTD|Inc|INC|Corp|CORP|SpA|SPA|BV|PLC|JSC|PJSC|OOO|OAO|ZAO|PAO)\b")
# Initialisms of three letters or more written with dots ("A.B.C.", "U.S.A.", "R.I.A"): one token. Two letters
# stay apart: "S.A." is as often a person's initials ("named after S.A. Lavochkin") as a legal form.
_INITIALISM = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_]){2,}\.?(?!\w)")


# The words of Russian firm names the lists translate rather than transliterate ("Московский кредитный банк" is
# "Credit Bank of Moscow"; "Газпром нефть" stays "Gazprom Neft"): a Cyrillic query is tried both ways.
_CYRILLIC_WORDS = {
    "государственная корпорация": "state corporation",
    "государственный": "state",
    "государственное": "state",
    "корпорация": "corporation",
    "концерн": "concern",
    "объединенная": "united",
    "объединённая": "united",
    "авиастроительная": "aircraft",
    "судостроительная": "shipbuilding",
    "приборостроительная": "instrument manufacturing",
    "ракетная": "missile",
    "тактическое ракетное вооружение": "tactical missiles",
    "ракетно-космическая": "rocket and space",
    "российские": "russian",
    "российская": "russian",
    "российский": "russian",
    "россии": "of russia",
    "россия": "russia",
    "космические": "space",
    "космический": "space",
    "системы": "systems",
    "научно-исследовательский": "research",
    "научно-производственное объединение": "npo",
    "научно-производственная": "scientific production",
    "институт": "institute",
    "завод": "plant",
    "банк": "bank",
    "московский": "moscow",
    "кредитный": "credit",
    "радиоэлектронные": "radio electronic",
    "технологии": "technologies",
    "вертолеты": "helicopters",
    "вертолёты": "helicopters",
    "высокоточные комплексы": "high precision systems",
    "лаборатория касперского": "kaspersky lab",
    "электромеханический": "electromechanical",
    "компания": "company",
    "группа": "group",
    "холдинг": "holding",
    "центр": "center",
    "бюро": "bureau",
    "конструкторское": "design",
    "опытно-конструкторское": "experimental design",
    "имени": "named after",
    "им.": "named after",
}
_CYRILLIC_WORDS_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _CYRILLIC_WORDS), key=len, reverse=True)) + r")(?![\w-])")


def _fold_cyrillic(text: str) -> str:
    for words, form in _CYRILLIC_FORMS:
        text = text.replace(words, form)
    return _CYRILLIC_AO.sub(" jsc ", text).translate(_CYRILLIC)


_APOSTROPHES = re.compile(r"['\u2019\u2018`\x92´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


# Romanisations of Russian meet at match time (BGN "Tekhnologii", ICAO "Tehnologii"; "Obshchestvo", "Obschestvo";
# "Sibirskaya", "Sibirskaia"): applied to the index's keys and the query's, never to the stored keys. Only patterns
# pinyin never has: "ia", "iu" and "yi" inside a word are pinyin's ("jia", "liu", "haiyi") and are left alone.
_ROMAN = [
    (re.compile(r"shch"), "sch"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"tz"), "ts"),
    (re.compile(r"(?<=\w{6})(?:iy|ii|ij|yy)\b"), "y"),  # -ий, -ый of a long word (never a pinyin ending)
    (re.compile(r"(?<=[aeiou])ia\b|(?<=i)ia\b"), "ya"),
    (re.compile(r"nostiu\b"), "nostyu"),
    (re.compile(r"\bi(?=[aeu])"), "y"),  # я, е, ю opening a word: ICAO "Iakutiia", "Iuventa" (pinyin writes y there)
    # й after a vowel, before a consonant: BGN "Lukoyl", English "Lukoil" (not at a word's end: English "Sunway", "Galaxy"
    # keep their y, so that a typo there stays one letter away)
    (re.compile(r"(?<=[aeou])y(?=[bcdfghjklmnpqrstvwxz])"), "i"),
]  # -ая, -ия, -ностью


@lru_cache(maxsize=1 << 17)  # building the search index folds every name twice (its Latin key, its core): 44% are repeats
def roman_fold(key: str) -> str:
    """One spelling for the usual romanisations of Russian (see ``_ROMAN``)."""
    if "h" in key or "tz" in key or "i" in key or "y" in key:
        for pattern, repl in _ROMAN:
            key = pattern.sub(repl, key)
    return key


def clean(text: str) -> str:
    """Make any string safe to normalise: fix cp1252 leftovers, drop controls and surrogates."""
    if text.isascii() and text.isprintable():
        return text  # most names: nothing to fix
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → '?'
    text = text.replace("\x92", "'")
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


_FORMS_FOLDED = {roman_fold(k): k for k in CANON if len(k) >= 12}
# How those forms can start as written (roman_fold changes a word's first two letters only by "kh", "tz", "shch" or
# an "i" before a vowel): only a merge starting so is folded to be looked up.
_FORM_STARTS = frozenset(k[:2] for k in _FORMS_FOLDED) | frozenset(k[:2] for k in CANON if len(k) >= 12) | {"kh", "tz", "ia", "ie", "iu"}


# The words that can begin a run of words merged into one canonical token ("hong" of "hong kong", "h" of "h k"): a run
# starting with any other word is never tried (the same tokens, a third less time to fold a name).
_HEADS = frozenset(k[:j] for k in CANON for j in range(1, len(k)))
_KEY_HEADS = frozenset(k[:j] for k in _KEY_CANON for j in range(1, len(k)))


# Each canonical spelling's words, split once (a token or a run of tokens folds to one word or more)
_CANON_WORDS = {key: value.split() for key, value in CANON.items()}
_KEY_CANON_WORDS = {key: value.split() for key, value in _KEY_CANON.items()}


def _spaced_form(match: re.Match[str]) -> str:
    return " " + match.group(1)


def _undotted(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "")


def tokens(text: str, *, for_key: bool = False, brands: bool = False) -> list[str]:
    """Fold a name to canonical lowercase Latin tokens (legal forms, places kept).

    ``for_key``: the frozen folding of entity keys (no Cyrillic, initialisms, glued or written-out legal forms, and
    Chinese by the first table only). ``brands``: Chinese brand names read as the lists' English brands.
    """
    text = unicodedata.normalize("NFKC", clean(text))
    if not for_key:
        text = _GLUED_FORM.sub(_spaced_form, text)
        if "." in text:  # an initialism has dots
            text = _INITIALISM.sub(_undotted, text)
    text = text.casefold()
    if _HAN_CHAR.search(text):
        text = _fold_han(text, for_key, brands)
    if not for_key and _CYRILLIC_CHAR.search(text):
        text = _fold_cyrillic(text)
    canon, split = (_KEY_CANON, _KEY_CANON_WORDS) if for_key else (CANON, _CANON_WORDS)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    raw = [t for t in _NON_WORD.sub(" ", text).split() if t not in STOPWORDS]
    heads = _KEY_HEADS if for_key else _HEADS
    out: list[str] = []
    i = 0
    while i < len(raw):
        can_merge = i + 1 < len(raw) and (raw[i] in heads or (not for_key and (raw[i] + raw[i + 1])[:2] in _FORM_STARTS))
        for n in range(min(_MERGE_MAX, len(raw) - i), 1, -1) if can_merge else ():  # "h k", "hong kong", "ke ji"
            merged = "".join(raw[i : i + n])
            if not for_key and merged not in canon and len(merged) >= 12 and merged[:2] in _FORM_STARTS:  # "Aktzionernoe Obschestvo"
                merged = _FORMS_FOLDED.get(roman_fold(merged), merged)
            if merged in canon:
                out.extend(split[merged])
                i += n
                break
        else:
            word = raw[i] if for_key or raw[i] in canon else PLACE_SLIPS.get(raw[i], raw[i])
            if word in split:
                out.extend(split[word])
            else:
                out.extend(word.split())
            i += 1
    return out


def core_of(toks: list[str]) -> list[str]:
    """The distinctive tokens: without legal forms, places and industry words."""
    core = [t for t in toks if t not in GENERIC]
    if core:
        return core
    core = [t for t in toks if t not in LEGAL]  # "China Electronics Technology": keep something
    return core or toks


@lru_cache(maxsize=1 << 17)  # an import meets most names again (a list's older snapshot, its sister lists)
def analyze(name: str) -> NameKeys:
    """Return the match keys of a name or a query."""
    toks = tokens(name)
    return NameKeys(" ".join(toks), " ".join(core_of(toks)))


def variants(name: str) -> list[NameKeys]:
    """The keys a query is matched by: ``analyze(name)``, and also, for Chinese, with brand names read as the lists'
    English brands (海康威视 → Hikvision) and, for Cyrillic, with its words translated ("банк" → bank)."""
    keys = analyze(name)
    if _HAN_CHAR.search(name):
        toks = tokens(name, brands=True)
        other = NameKeys(" ".join(toks), " ".join(core_of(toks)))
    elif _CYRILLIC_CHAR.search(name):
        other = analyze(_CYRILLIC_WORDS_RE.sub(lambda m: f" {_CYRILLIC_WORDS[m.group(1)]} ", clean(name).casefold()))
    else:
        return [keys]
    return [keys, other] if other != keys and other.latn else [keys]


@lru_cache(maxsize=1 << 17)
def key_name(name: str) -> str:
    """The identity form of a primary name used in entity keys ("Co., Limited" = "Co. Ltd"); frozen: see ``tokens``."""
    return " ".join(tokens(name, for_key=True))


def has_han(text: str) -> bool:
    """True if the text contains Chinese characters."""
    return bool(_HAN_CHAR.search(text))
