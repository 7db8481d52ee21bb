-- Opened, closed and category-changed stores per 상권 and per 행정동 between consecutive loaded snapshots,
-- derived from the store history. A store opens in the first snapshot that shows it after one that did not
-- (new or reopened), closes in the first snapshot that no longer shows it (counted where it stood), and
-- changes category when its 소분류 code differs from the previous snapshot's. The first loaded snapshot
-- has no predecessor, so it has no row. Counts of 1 … small_cell_min − 1 are withheld with their row.
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}

with history as (
    select * from {{ ref('commerce_store_history') }}
),

months as (
    select reference_month, lag(reference_month) over (order by reference_month) as previous_month
    from (select distinct reference_month from {{ ref('stg_commerce__stores') }})
),

present as (  -- every version in every snapshot it covers
    select months.reference_month, history.*
    from history
    join months on months.reference_month >= history.valid_from
               and (history.valid_to is null or months.reference_month < history.valid_to)
),

closed as (  -- the last version of a store that a later snapshot no longer shows
    select history.valid_to as reference_month, history.*
    from history
    where history.valid_to is not null
      and not exists (select 1 from history as later
                      where later.store_id = history.store_id and later.valid_from = history.valid_to)
),

events as (
    select reference_month, area_code, adong_code, 1 as present,
           (change_type in ('opened', 'reopened') and valid_from = reference_month)::integer as opened,
           0 as closed,
           (change_type = 'changed' and category_changed and valid_from = reference_month)::integer as category_changed
    from present
    union all
    select reference_month, area_code, adong_code, 0, 0, 1, 0 from closed
),

by_geography as (
    select '상권' as geography_level, area_code as geography_code, reference_month,
           sum(present) as stores, sum(opened) as opened, sum(closed) as closed, sum(category_changed) as category_changed
    from events where area_code is not null group by all
    union all
    select '행정동', adong_code, reference_month, sum(present), sum(opened), sum(closed), sum(category_changed)
    from events group by all
),

counted as (
    select
        by_geography.*,
        months.previous_month,
        coalesce(stores between 1 and {{ small_cell_min }} - 1, false)
            or coalesce(opened between 1 and {{ small_cell_min }} - 1, false)
            or coalesce(closed between 1 and {{ small_cell_min }} - 1, false)
            or coalesce(category_changed between 1 and {{ small_cell_min }} - 1, false) as suppressed
    from by_geography
    join months using (reference_month)
    where months.previous_month is not null
)

select
    geography_level,
    geography_code,
    substr(reference_month, 1, 4) || cast((cast(substr(reference_month, 5, 2) as integer) + 2) // 3 as varchar) as quarter,
    reference_month,
    previous_month as previous_reference_month,
    case when not suppressed then cast(stores as bigint) end as stores,
    case when not suppressed then cast(opened as bigint) end as opened,
    case when not suppressed then cast(closed as bigint) end as closed,
    case when not suppressed then cast(category_changed as bigint) end as category_changed,
    suppressed
from counted
