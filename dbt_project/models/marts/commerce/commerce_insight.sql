-- Per 상권 × Seoul service category × quarter: what sells, when and to whom (Seoul's estimated sales, already
-- aggregates), the street's floating population, Seoul's store statistics beside the same numbers counted
-- from the store history, and competition (stores of the category within 500 m of the 상권's point).
-- Stores reach a service category through the governed crosswalk: on the 소분류 code when the crosswalk lists
-- it, else on the 중분류 code (a store may count for several categories where the crosswalk is many-to-many).
-- Counts from the store history of 1 … small_cell_min − 1 withhold the row's history measures.
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}
{%- set radius_m = 500 %}

with crosswalk as (
    select store_category_code, service_code from {{ ref('category_crosswalk') }}
),

snapshot_months as (
    select reference_month, quarter, lag(reference_month) over (order by reference_month) as previous_month
    from (select distinct reference_month, quarter from {{ ref('stg_commerce__stores') }})
),

history as (
    select * from {{ ref('commerce_store_history') }}
),

history_services as (  -- each store version with the service categories its 업종 maps to
    select history.*, crosswalk.service_code
    from history join crosswalk on crosswalk.store_category_code = history.category_small_code
    union all
    select history.*, crosswalk.service_code
    from history join crosswalk on crosswalk.store_category_code = history.category_middle_code
    where history.category_small_code not in (select store_category_code from crosswalk)
),

history_events as (
    select months.quarter, versions.area_code, versions.service_code, 1 as present, versions.is_franchise::integer as franchise,
           (versions.change_type in ('opened', 'reopened') and versions.valid_from = months.reference_month)::integer as opened,
           0 as closed
    from history_services as versions
    join snapshot_months as months
        on months.reference_month >= versions.valid_from
       and (versions.valid_to is null or months.reference_month < versions.valid_to)
    union all
    select months.quarter, versions.area_code, versions.service_code, 0, 0, 0, 1
    from history_services as versions
    join snapshot_months as months on months.reference_month = versions.valid_to
    where not exists (select 1 from history as later
                      where later.store_id = versions.store_id and later.valid_from = versions.valid_to)
),

history_counts as (
    select quarter, area_code, service_code,
           cast(sum(present) as bigint) as stores, cast(sum(franchise) as bigint) as franchise_stores,
           cast(sum(opened) as bigint) as opened, cast(sum(closed) as bigint) as closed
    from history_events
    where area_code is not null
    group by all
),

store_points as (  -- each store snapshot with its service categories, for competition
    select stores.quarter, stores.x_5186, stores.y_5186, crosswalk.service_code
    from {{ ref('stg_commerce__stores') }} as stores
    join crosswalk on crosswalk.store_category_code = stores.category_small_code
    union all
    select stores.quarter, stores.x_5186, stores.y_5186, crosswalk.service_code
    from {{ ref('stg_commerce__stores') }} as stores
    join crosswalk on crosswalk.store_category_code = stores.category_middle_code
    where stores.category_small_code not in (select store_category_code from crosswalk)
),

competition as (
    select store_points.quarter, areas.area_code, store_points.service_code, count(*) as competitors
    from {{ ref('stg_commerce__areas') }} as areas
    join store_points
        on store_points.x_5186 between areas.x_5186 - {{ radius_m }} and areas.x_5186 + {{ radius_m }}
       and store_points.y_5186 between areas.y_5186 - {{ radius_m }} and areas.y_5186 + {{ radius_m }}
       and (store_points.x_5186 - areas.x_5186) ^ 2 + (store_points.y_5186 - areas.y_5186) ^ 2 <= {{ radius_m }} ^ 2
    group by all
),

sales as (
    select * from {{ ref('stg_commerce__sales') }}
),

stats as (
    select * from {{ ref('stg_commerce__store_stats') }}
),

cells as (
    select quarter, area_code, service_code from sales
    union
    select quarter, area_code, service_code from stats
),

keyed as (
    select
        cells.*,
        case when right(cells.quarter, 1) = '1' then cast(cast(left(cells.quarter, 4) as integer) - 1 as varchar) || '4'
             else left(cells.quarter, 4) || cast(cast(right(cells.quarter, 1) as integer) - 1 as varchar) end as previous_quarter,
        cast(cast(left(cells.quarter, 4) as integer) - 1 as varchar) || right(cells.quarter, 1) as year_ago_quarter,
        snapshot_months.reference_month is not null as has_snapshot,
        snapshot_months.previous_month is not null as has_previous_snapshot,
        coalesce(history_counts.stores, 0) as stores,
        coalesce(history_counts.franchise_stores, 0) as franchise_stores,
        coalesce(history_counts.opened, 0) as opened,
        coalesce(history_counts.closed, 0) as closed
    from cells
    left join snapshot_months using (quarter)
    left join history_counts using (quarter, area_code, service_code)
),

measured as (
    select
        keyed.*,
        case when has_snapshot then stores end as history_store_count,
        case when has_previous_snapshot then opened end as history_opened_count,
        case when has_previous_snapshot then closed end as history_closed_count,
        (has_snapshot and stores between 1 and {{ small_cell_min }} - 1)
            or (has_previous_snapshot and (opened between 1 and {{ small_cell_min }} - 1
                                           or closed between 1 and {{ small_cell_min }} - 1)) as suppressed
    from keyed
)

select
    measured.quarter,
    measured.area_code,
    areas.area_name,
    areas.area_type_code,
    areas.adong_code,
    measured.service_code,
    coalesce(sales.service_name, stats.service_name) as service_name,
    sales.sales_amount,
    sales.sales_count,
    sales.sales_amount / nullif(previous.sales_amount, 0) - 1 as sales_amount_qoq_growth,
    sales.sales_count / nullif(previous.sales_count, 0) - 1 as sales_count_qoq_growth,
    sales.sales_amount / nullif(year_ago.sales_amount, 0) - 1 as sales_amount_yoy_growth,
    sales.sales_count / nullif(year_ago.sales_count, 0) - 1 as sales_count_yoy_growth,
    sales.weekday_sales_amount / nullif(sales.sales_amount, 0) as weekday_amount_share,
    sales.weekend_sales_amount / nullif(sales.sales_amount, 0) as weekend_amount_share,
    sales.tb_00_06_sales_amount / nullif(sales.sales_amount, 0) as tb_00_06_amount_share,
    sales.tb_06_11_sales_amount / nullif(sales.sales_amount, 0) as tb_06_11_amount_share,
    sales.tb_11_14_sales_amount / nullif(sales.sales_amount, 0) as tb_11_14_amount_share,
    sales.tb_14_17_sales_amount / nullif(sales.sales_amount, 0) as tb_14_17_amount_share,
    sales.tb_17_21_sales_amount / nullif(sales.sales_amount, 0) as tb_17_21_amount_share,
    sales.tb_21_24_sales_amount / nullif(sales.sales_amount, 0) as tb_21_24_amount_share,
    sales.male_sales_amount / nullif(sales.sales_amount, 0) as male_amount_share,
    sales.female_sales_amount / nullif(sales.sales_amount, 0) as female_amount_share,
    sales.age_10_sales_amount / nullif(sales.sales_amount, 0) as age_10_amount_share,
    sales.age_20_sales_amount / nullif(sales.sales_amount, 0) as age_20_amount_share,
    sales.age_30_sales_amount / nullif(sales.sales_amount, 0) as age_30_amount_share,
    sales.age_40_sales_amount / nullif(sales.sales_amount, 0) as age_40_amount_share,
    sales.age_50_sales_amount / nullif(sales.sales_amount, 0) as age_50_amount_share,
    sales.age_60_above_sales_amount / nullif(sales.sales_amount, 0) as age_60_above_amount_share,
    stats.similar_store_count as seoul_store_count,
    stats.franchise_count as seoul_franchise_count,
    stats.franchise_count / nullif(stats.similar_store_count, 0) as seoul_franchise_share,
    stats.open_rate as seoul_open_rate,
    stats.close_rate as seoul_close_rate,
    stats.open_count as seoul_open_count,
    stats.close_count as seoul_close_count,
    case when not measured.suppressed then measured.history_store_count end as history_store_count,
    case when not measured.suppressed then measured.franchise_stores / nullif(measured.history_store_count, 0) end
        as history_franchise_share,
    case when not measured.suppressed then measured.history_opened_count end as history_opened_count,
    case when not measured.suppressed then measured.history_closed_count end as history_closed_count,
    case when not measured.suppressed then 100.0 * measured.history_opened_count / nullif(measured.history_store_count, 0) end
        as history_open_rate,
    case when not measured.suppressed then 100.0 * measured.history_closed_count / nullif(measured.history_store_count, 0) end
        as history_close_rate,
    flpop.total_population as floating_population,
    flpop.tb_00_06_population as floating_tb_00_06,
    flpop.tb_06_11_population as floating_tb_06_11,
    flpop.tb_11_14_population as floating_tb_11_14,
    flpop.tb_14_17_population as floating_tb_14_17,
    flpop.tb_17_21_population as floating_tb_17_21,
    flpop.tb_21_24_population as floating_tb_21_24,
    case when measured.has_snapshot then coalesce(competition.competitors, 0) end as competitors_within_500m,
    case when measured.has_snapshot
         then coalesce(competition.competitors, 0) / (pi() * ({{ radius_m }} / 1000.0) ^ 2) end as competitor_density_per_km2,
    measured.suppressed
from measured
join {{ ref('stg_commerce__areas') }} as areas using (area_code)
left join sales using (quarter, area_code, service_code)
left join stats using (quarter, area_code, service_code)
left join sales as previous
    on previous.quarter = measured.previous_quarter and previous.area_code = measured.area_code
   and previous.service_code = measured.service_code
left join sales as year_ago
    on year_ago.quarter = measured.year_ago_quarter and year_ago.area_code = measured.area_code
   and year_ago.service_code = measured.service_code
left join {{ ref('stg_commerce__floating_population') }} as flpop using (quarter, area_code)
left join competition using (quarter, area_code, service_code)
