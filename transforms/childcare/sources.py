"""Childcare sources (korean-public-data.md §7)."""

from transforms.childcare import centers, meals
from transforms.source import Source

SOURCES = (
    Source(
        "childcare_centers",
        ("보육통합정보 cpmsapi030 XML (sigunname/sigunguname, any tag case)", "Seoul Open API ChildCareInfo JSON envelope"),
        (".xml", ".json"),
        centers.parse,
    ),
    Source(
        "childcare_meals",
        ("meal-scan extract CSV, Korean headers, CP949 or UTF-8 (synthetic schema)",),
        (".csv",),
        meals.parse,
    ),
)
