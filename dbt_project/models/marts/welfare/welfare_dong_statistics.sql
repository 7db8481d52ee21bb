-- Each published table as a 행정동 × category grid with its margins, small cells withheld. Complementary
-- suppression is iterative, so `small_cell_suppression` (transforms/suppression.py, registered by the dbt
-- plugin) decides a whole grid at once; SQL only groups the cells and spreads the decisions back out.
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}

with grids as (
    select
        statistic,
        period,
        measure,
        small_cell_suppression(
            list(struct_pack(row_key := adong_code, column_key := category, n := value)),
            {{ small_cell_min }}, '1150000000', '계'
        ) as published
    from {{ ref('stg_welfare__dong_stats') }}
    group by statistic, period, measure
),

cells as (
    select statistic, period, measure, unnest(published) as cell
    from grids
)

select
    cells.statistic,
    cells.period,
    cells.measure,
    cells.cell.row_key as adong_code,
    coalesce(dongs.adong_name, '강서구') as adong_name,
    cells.cell.column_key as category,
    cells.cell.cell_kind as cell_kind,
    case when not cells.cell.withheld then cells.cell.n end as value,
    cells.cell.withheld as suppressed
from cells
left join {{ ref('gangseo_admin_dongs') }} as dongs on dongs.adong_code = cells.cell.row_key
