"""The governed 업종 → service-category crosswalk (dbt seed reference.category_crosswalk) and its coverage.

A store maps on its 2023 소분류 code when the crosswalk lists it, else on its 중분류 code; a pre-2023 code
never maps (the systems are not mixed). One store code may map to several service codes (I210 → 패스트푸드,
치킨, 분식: `relation` = broader), so `store_services` can return more than one row per store. A sales
row maps when its service code is in the crosswalk. `coverage` says how much of a frame maps, by
relation, and which codes do not: the number the pilot reads before comparing like with like.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "commerce" / "category_crosswalk.csv"
RELATION_ORDER = ("exact", "narrower", "broader", "partial")  # closest first


@functools.cache
def crosswalk() -> pl.DataFrame:
    return pl.read_csv(SEED, infer_schema=False)


@dataclass
class Coverage:
    rows: int
    mapped: int
    by_relation: dict[str, int] = field(default_factory=dict)  # closest relation per mapped row
    unmapped_codes: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.mapped / self.rows if self.rows else 0.0


def store_services(stores: pl.DataFrame) -> pl.DataFrame:
    """Stores (contract columns) joined to their service codes: one row per store × service; the
    matched level (`matched_on`: 소분류 / 중분류) and `relation` say how close the match is."""
    xw = crosswalk().select("store_category_code", "service_code", "service_name", "relation")
    modern = stores.with_row_index("__store").filter(pl.col("category_scheme") == "2023")
    small = modern.join(xw, left_on="category_small_code", right_on="store_category_code", how="inner")
    middle = (modern.join(small.select("__store").unique(), on="__store", how="anti")
              .join(xw, left_on="category_middle_code", right_on="store_category_code", how="inner"))
    return pl.concat([small.with_columns(matched_on=pl.lit("소분류")), middle.with_columns(matched_on=pl.lit("중분류"))])


def _closest(relations: pl.Expr) -> pl.Expr:
    rank = relations.replace_strict({r: i for i, r in enumerate(RELATION_ORDER)}, return_dtype=pl.Int32)
    return pl.lit(list(RELATION_ORDER)).list.get(rank.min())


def _coverage(total: pl.DataFrame, matched: pl.DataFrame, key: str, code: str) -> Coverage:
    per_row = matched.group_by(key).agg(_closest(pl.col("relation")).alias("relation"))
    by_relation = dict(per_row.group_by("relation").len().sort("relation").iter_rows())
    unmapped = total.join(per_row, on=key, how="anti").group_by(code).len().sort("len", descending=True)
    return Coverage(total.height, per_row.height, by_relation,
                    {str(c): n for c, n in unmapped.iter_rows()})


def store_coverage(stores: pl.DataFrame) -> Coverage:
    """Share of store rows whose 업종 code maps (unmapped codes reported by 소분류 code)."""
    matched = store_services(stores)
    return _coverage(stores.with_row_index("__store"), matched, "__store", "category_small_code")


def sales_coverage(sales: pl.DataFrame) -> Coverage:
    """Share of sales (or store-stats) rows whose service code is in the crosswalk."""
    rows = sales.with_row_index("__row")
    matched = rows.join(crosswalk().select("service_code", "relation"), on="service_code", how="inner")
    return _coverage(rows, matched, "__row", "service_code")
