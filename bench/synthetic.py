"""Generate a synthetic store of Chinese and Hong Kong company names, for speed benchmarks only.

Nothing here is a real entity and nothing generated is committed. Names follow the mainland
pattern place + trade name (字号) + industry + legal form, in English and in Chinese characters
(the English trade name is the pinyin of the Chinese one), with the aliases investigators meet:
spaced pinyin, an "(HK)" twin, an English brand. About one entity in ten is a person.

    python bench/synthetic.py --entities 100000 --out /tmp/synthetic-100k.db

Keys (``latn``, ``core``) are computed by the same ``store.normalize.analyze`` the importers use,
in two processes.
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import time
from multiprocessing import Pool
from pathlib import Path

from watchlist.store import connect
from watchlist.store.normalize import analyze

# Characters common in trade names, with their pinyin (one reading each).
SYLLABLES = [
    ("鑫", "xin"),
    ("瑞", "rui"),
    ("泰", "tai"),
    ("华", "hua"),
    ("宏", "hong"),
    ("达", "da"),
    ("源", "yuan"),
    ("盛", "sheng"),
    ("通", "tong"),
    ("创", "chuang"),
    ("恒", "heng"),
    ("安", "an"),
    ("博", "bo"),
    ("海", "hai"),
    ("天", "tian"),
    ("联", "lian"),
    ("佳", "jia"),
    ("和", "he"),
    ("伟", "wei"),
    ("星", "xing"),
    ("龙", "long"),
    ("金", "jin"),
    ("航", "hang"),
    ("晶", "jing"),
    ("微", "wei"),
    ("芯", "xin"),
    ("辉", "hui"),
    ("光", "guang"),
    ("明", "ming"),
    ("德", "de"),
    ("信", "xin"),
    ("诚", "cheng"),
    ("丰", "feng"),
    ("力", "li"),
    ("富", "fu"),
    ("嘉", "jia"),
    ("讯", "xun"),
    ("锐", "rui"),
    ("腾", "teng"),
    ("飞", "fei"),
    ("捷", "jie"),
    ("凯", "kai"),
    ("峰", "feng"),
    ("远", "yuan"),
    ("宇", "yu"),
    ("森", "sen"),
    ("林", "lin"),
    ("乐", "le"),
    ("美", "mei"),
    ("万", "wan"),
    ("兴", "xing"),
    ("昌", "chang"),
    ("汇", "hui"),
    ("祥", "xiang"),
    ("永", "yong"),
    ("志", "zhi"),
    ("东", "dong"),
    ("启", "qi"),
    ("卓", "zhuo"),
    ("越", "yue"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("雅", "ya"),
    ("贝", "bei"),
    ("奥", "ao"),
    ("顺", "shun"),
    ("益", "yi"),
    ("旺", "wang"),
    ("荣", "rong"),
    ("福", "fu"),
    ("康", "kang"),
    ("健", "jian"),
    ("正", "zheng"),
    ("立", "li"),
    ("江", "jiang"),
    ("银", "yin"),
    ("铭", "ming"),
    ("思", "si"),
    ("智", "zhi"),
    ("迅", "xun"),
    ("亿", "yi"),
    ("尚", "shang"),
    ("维", "wei"),
    ("威", "wei"),
    ("骏", "jun"),
    ("彩", "cai"),
    ("云", "yun"),
    ("宁", "ning"),
    ("泽", "ze"),
    ("润", "run"),
    ("晟", "sheng"),
    ("昊", "hao"),
    ("睿", "rui"),
    ("赛", "sai"),
    ("拓", "tuo"),
    ("柏", "bai"),
    ("弘", "hong"),
    ("朗", "lang"),
    ("瀚", "han"),
    ("浩", "hao"),
    ("钧", "jun"),
    ("迪", "di"),
    ("格", "ge"),
    ("丽", "li"),
    ("新", "xin"),
    ("科", "ke"),
    ("晨", "chen"),
    ("阳", "yang"),
    ("元", "yuan"),
    ("中", "zhong"),
    ("坤", "kun"),
    ("鹏", "peng"),
    ("豪", "hao"),
    ("耀", "yao"),
    ("振", "zhen"),
    ("俊", "jun"),
    ("宝", "bao"),
    ("利", "li"),
    ("蓝", "lan"),
    ("霖", "lin"),
    ("琪", "qi"),
    ("桐", "tong"),
    ("毅", "yi"),
    ("翔", "xiang"),
    ("展", "zhan"),
    ("慧", "hui"),
]
CITIES = [
    ("深圳", "Shenzhen"),
    ("广州", "Guangzhou"),
    ("东莞", "Dongguan"),
    ("上海", "Shanghai"),
    ("北京", "Beijing"),
    ("苏州", "Suzhou"),
    ("杭州", "Hangzhou"),
    ("宁波", "Ningbo"),
    ("厦门", "Xiamen"),
    ("成都", "Chengdu"),
    ("武汉", "Wuhan"),
    ("西安", "Xian"),
    ("长沙", "Changsha"),
    ("天津", "Tianjin"),
    ("南京", "Nanjing"),
    ("青岛", "Qingdao"),
    ("大连", "Dalian"),
    ("珠海", "Zhuhai"),
    ("佛山", "Foshan"),
    ("合肥", "Hefei"),
]
INDUSTRIES = [
    ("电子科技", "Electronic Technology"),
    ("贸易", "Trading"),
    ("进出口", "Import and Export"),
    ("国际贸易", "International Trading"),
    ("半导体", "Semiconductor"),
    ("光电", "Optoelectronics"),
    ("精密机械", "Precision Machinery"),
    ("供应链管理", "Supply Chain Management"),
    ("物流", "Logistics"),
    ("通信技术", "Communication Technology"),
    ("航空科技", "Aviation Technology"),
    ("新材料", "New Material"),
    ("仪器", "Instrument"),
    ("自动化", "Automation"),
    ("实业", "Industrial"),
    ("电子", "Electronics"),
    ("科技", "Technology"),
    ("微电子", "Microelectronics"),
    ("化工", "Chemical"),
    ("机电设备", "Electromechanical Equipment"),
]
LEGAL = [("有限公司", "Co., Ltd."), ("有限公司", "Company Limited"), ("股份有限公司", "Co., Ltd."), ("有限公司", "Limited")]
BRANDS = [
    "Sunrise",
    "Golden Bridge",
    "Asia Pacific",
    "Everbright",
    "Pioneer",
    "Orient",
    "Grand Union",
    "Silver Star",
    "Fortune",
    "Harvest",
    "Unicorn",
    "Rainbow",
    "Summit",
    "Crown",
    "Phoenix",
    "Jade",
    "Dragon Gate",
    "Oceanic",
]
SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
]


def entity_names(rng: random.Random) -> tuple[str, str, list[tuple[str, str]]]:
    """One synthetic entity: (kind, country, [(name, name kind)]), primary first."""
    if rng.random() < 0.1:
        (sh, sl), given = rng.choice(SURNAMES), rng.sample(SYLLABLES, rng.choice((1, 2)))
        latin = "".join(p for _, p in given).capitalize()
        return "person", "CN", [(f"{sl.upper()} {latin}", "primary"), (sh + "".join(h for h, _ in given), "native"), (f"{latin} {sl}", "aka")]
    trade = rng.sample(SYLLABLES, rng.choice((2, 2, 3, 3, 4)))
    han, pin = "".join(h for h, _ in trade), "".join(p for _, p in trade).capitalize()
    (ih, ie), (lh, le) = rng.choice(INDUSTRIES), rng.choice(LEGAL)
    if rng.random() < 0.3:  # a Hong Kong company
        names = [(f"{pin} (HK) {ie} {le}", "primary"), (f"香港{han}{ih}{lh}", "native")]
        country = "HK"
    else:
        (ch, ce) = rng.choice(CITIES)
        names = [(f"{ce} {pin} {ie} {le}", "primary"), (f"{ch}市{han}{ih}{lh}", "native")]
        country = "CN"
    roll = rng.random()
    if roll < 0.35:
        names.append((" ".join(p.capitalize() for _, p in trade) + f" {ie} Co Ltd", "aka"))
    elif roll < 0.6:
        names.append((f"{pin} Hong Kong {ie} Limited", "aka"))
    elif roll < 0.8:
        names.append((f"{rng.choice(BRANDS)} {pin} {ie}", "aka"))
    return "company", country, names


def _keys(batch: list[str]) -> list[tuple[str, str]]:
    return [(k.latn, k.core) for k in map(analyze, batch)]


def generate(path: Path, count: int, seed: int = 7) -> float:
    """Write a store of ``count`` synthetic entities to ``path``; return seconds taken."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    rng = random.Random(seed)
    rows = [entity_names(rng) for _ in range(count)]
    flat = [n for _, _, names in rows for n, _ in names]
    with Pool(2) as pool:
        keys = [k for part in pool.imap(_keys, [flat[i : i + 20_000] for i in range(0, len(flat), 20_000)]) for k in part]
    db = connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO sources (id, name, file) VALUES (1, 'synthetic', 'bench/synthetic.py')")
    conn.executemany(
        "INSERT INTO entities (id, key, kind, name, countries, source_id) VALUES (?, ?, ?, ?, ?, 1)",
        ((i + 1, f"synthetic:{i + 1}", kind, names[0][0], country) for i, (kind, country, names) in enumerate(rows)),
    )
    it = iter(keys)

    def name_rows():
        for i, (_, _, names) in enumerate(rows):
            for name, kind in names:
                latn, core = next(it)
                yield i + 1, name, kind, latn, core

    conn.executemany("INSERT INTO names (entity_id, name, kind, latn, core, origin, source_id) VALUES (?, ?, ?, ?, ?, 'synthetic', 1)", name_rows())
    listed = rng.sample(range(1, count + 1), max(1, count // 50))
    conn.executemany(
        "INSERT INTO listings (entity_id, list, start_date, source_id) VALUES (?, 'EL', ?, 1)",
        ((eid, f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}") for eid in listed),
    )
    conn.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    gc.disable()  # millions of rows held at once: the cycle collector would walk them again and again
    seconds = generate(args.out, args.entities)
    conn = sqlite3.connect(args.out)
    names = conn.execute("SELECT count(*) FROM names").fetchone()[0]
    print(f"{args.out}: {args.entities:,} entities, {names:,} names in {seconds:.1f} s")


if __name__ == "__main__":
    main()
