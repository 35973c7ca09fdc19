"""Reference data shared by the demo city and the synthetic data: qualifications and the chain node trees.

A tree is a list of (name, is_key, children). Leaf profiles say where the demo leaves a node empty (缺) or
puts only small firms (弱), so the gap analysis shows all three ratings."""

from collections.abc import Iterator

# (code, name, counts_as_scale). Other apps rely on these codes.
QUALIFICATIONS: list[tuple[str, str, bool]] = [
    ("gxjs", "国家高新技术企业", False),
    ("xjr", "专精特新“小巨人”企业", True),
    ("zjtx", "专精特新中小企业", False),
    ("gsgy", "规上工业企业", True),
    ("lianzhu", "链主企业", True),
    ("ssgs", "上市公司", True),
    ("ddbc", "国家定点药包材生产企业", False),
]
SCALE_CODES = frozenset(code for code, _, scale in QUALIFICATIONS if scale)
SMALL_CODES = ("gxjs", "zjtx")  # qualifications a small firm may hold without counting as 规上

Tree = list[tuple[str, bool, "Tree"]]

TREES: dict[str, Tree] = {
    "biomed": [
        (
            "上游",
            False,
            [
                ("原料药", True, []),
                ("药用辅料", False, []),
                ("药包材", True, [("医用膜材", True, []), ("输液包材", True, [])]),
            ],
        ),
        (
            "中游",
            False,
            [
                ("化学药", True, []),
                ("生物药", True, []),
                ("中药", False, []),
                ("医疗器械", True, [("耗材", False, []), ("设备", False, [])]),
            ],
        ),
        ("下游", False, [("研发外包 (CRO/CDMO)", True, []), ("医药流通", False, [])]),
    ],
    "chem": [
        ("上游", False, [("基础化工原料", False, []), ("石油化工", False, [])]),
        (
            "中游",
            False,
            [
                ("精细化工", True, []),
                ("高分子材料", True, []),
                ("新能源材料", True, []),
                ("电子化学品", True, []),
            ],
        ),
        ("下游", False, [("涂料与胶粘剂", False, []), ("新材料应用", False, [])]),
    ],
    "equip": [
        ("上游", False, [("基础零部件", False, []), ("关键材料", False, [])]),
        ("中游", False, [("船舶海工", True, []), ("智能装备", True, []), ("汽车零部件", False, [])]),
        ("下游", False, [("运维服务", False, [])]),
    ],
}

MISSING = "missing"
WEAK = "weak"
# Leaves the demo deliberately leaves empty (缺) or gives only small firms (弱); all others get a 规上 firm.
LEAF_PROFILES: dict[str, dict[str, str]] = {
    "biomed": {"原料药": MISSING, "研发外包 (CRO/CDMO)": MISSING, "中药": WEAK, "医药流通": WEAK},
    "chem": {"电子化学品": MISSING, "涂料与胶粘剂": WEAK},
    "equip": {"运维服务": MISSING, "关键材料": WEAK},
}

# Which leaves fit a firm's trade (names.FIRM_TRADES); a generic trade fits every leaf of its chain.
TRADE_LEAVES: dict[str, list[str]] = {
    "生物科技": ["生物药", "耗材"],
    "制药": ["化学药", "药用辅料"],
    "医疗器械": ["耗材", "设备"],
    "医用材料": ["医用膜材", "耗材"],
    "生物工程": ["生物药"],
    "医药包装": ["输液包材", "医用膜材"],
    "药用辅料": ["药用辅料"],
    "诊断试剂": ["耗材"],
    "新材料": ["高分子材料", "新材料应用"],
    "精细化工": ["精细化工"],
    "高分子材料": ["高分子材料"],
    "化学": ["基础化工原料", "精细化工"],
    "新能源材料": ["新能源材料"],
    "涂料": ["涂料与胶粘剂"],
    "特种纤维": ["高分子材料"],
    "船舶配件": ["船舶海工", "基础零部件"],
    "智能装备": ["智能装备"],
    "电气": ["智能装备", "基础零部件"],
    "精密制造": ["基础零部件", "关键材料"],
    "汽车零部件": ["汽车零部件"],
}


def walk(tree: Tree, parent: str | None = None) -> Iterator[tuple[str | None, str, bool, int, bool]]:
    """(parent name, name, is_key, sort order, is leaf) for every node, parents before children."""
    for order, (name, is_key, children) in enumerate(tree):
        yield parent, name, is_key, order, not children
        yield from walk(children, name)


def leaves(chain_code: str) -> list[str]:
    return [name for _, name, _, _, leaf in walk(TREES[chain_code]) if leaf]


def placeable_leaves(chain_code: str, trade: str) -> list[str]:
    """Leaves a firm of this trade may sit on: never a deliberately empty one."""
    profile = LEAF_PROFILES.get(chain_code, {})
    usable = [name for name in leaves(chain_code) if profile.get(name) != MISSING]
    fitting = [name for name in TRADE_LEAVES.get(trade, []) if name in usable]
    return fitting or usable
