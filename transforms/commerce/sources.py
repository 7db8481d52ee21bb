"""Commerce sources (korean-public-data.md §5-§6): one Source per raw contract in catalog/contracts/commerce/."""

from transforms.commerce import areas, floating_population, sales, store_stats, stores
from transforms.source import Source

SOURCES: tuple[Source, ...] = (
    Source(
        "stores",
        ("소상공인시장진흥공단 상가(상권)정보 ZIP (UTF-8-BOM CSV per 시도, CP949 member names)",
         "the 39-column CSV (UTF-8 BOM, comma; or an older pipe-delimited release)",
         "data.go.kr sdsc2 storeListInDong JSON"),
        (".zip", ".csv", ".json"),
        stores.parse,
        binary_suffixes=(".zip",),
    ),
    Source(
        "commerce_sales",
        ("Seoul Open API JSON VwsmTrdarSelngQq", "추정매출-상권 CSV, Korean headers (official typo columns)",
         "the same CSV with lower-case English headers"),
        (".json", ".csv"),
        sales.parse,
    ),
    Source(
        "commerce_store_stats",
        ("Seoul Open API JSON VwsmTrdarStorQq", "점포-상권 CSV, Korean or lower-case English headers"),
        (".json", ".csv"),
        store_stats.parse,
    ),
    Source(
        "commerce_floating_population",
        ("Seoul Open API JSON VwsmTrdarFlpopQq", "길단위인구-상권 CSV, Korean or lower-case English headers"),
        (".json", ".csv"),
        floating_population.parse,
    ),
    Source(
        "commerce_areas",
        ("Seoul Open API JSON TbgisTrdarRelm (X/Y in EPSG:5181)", "영역-상권 CSV, Korean or lower-case English headers"),
        (".json", ".csv"),
        areas.parse,
    ),
)
