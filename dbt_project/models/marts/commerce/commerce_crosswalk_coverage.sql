-- How much of each commerce table the 업종 ↔ service crosswalk reaches, per quarter: the number the pilot
-- reads before comparing store-file counts with Seoul's. A store row maps on its 소분류 code when the
-- crosswalk lists it, else on its 중분류 code (the rule of transforms/commerce/crosswalk.py); a Seoul row
-- maps when its service code is listed. Each mapped row counts once, under its closest relation.

with crosswalk as (
    select * from {{ ref('category_crosswalk') }}
),

relation_rank as (
    select * from (values ('exact', 1), ('narrower', 2), ('broader', 3), ('partial', 4)) as t(relation, rank)
),

store_rows as (
    select row_number() over () as row_id, quarter, category_small_code, category_middle_code
    from {{ ref('stg_commerce__stores') }}
),

store_matches as (
    select store_rows.row_id, crosswalk.relation
    from store_rows join crosswalk on crosswalk.store_category_code = store_rows.category_small_code
    union all
    select store_rows.row_id, crosswalk.relation
    from store_rows join crosswalk on crosswalk.store_category_code = store_rows.category_middle_code
    where store_rows.category_small_code not in (select store_category_code from crosswalk)
),

service_rows as (
    select 'commerce_sales' as dataset, quarter, service_code from {{ ref('stg_commerce__sales') }}
    union all
    select 'commerce_store_stats', quarter, service_code from {{ ref('stg_commerce__store_stats') }}
),

closest as (
    select 'stores' as dataset, store_rows.quarter, arg_min(store_matches.relation, relation_rank.rank) as relation
    from store_rows
    left join store_matches using (row_id)
    left join relation_rank using (relation)
    group by store_rows.row_id, store_rows.quarter
    union all
    select service_rows.dataset, service_rows.quarter,
           (select arg_min(crosswalk.relation, relation_rank.rank) from crosswalk join relation_rank using (relation)
            where crosswalk.service_code = service_rows.service_code)
    from service_rows
)

select
    dataset,
    quarter,
    count(*) as row_count,
    count(relation) as mapped_rows,
    count(relation) / count(*) as mapped_share,
    count(*) filter (where relation = 'exact') as exact_rows,
    count(*) filter (where relation = 'narrower') as narrower_rows,
    count(*) filter (where relation = 'broader') as broader_rows,
    count(*) filter (where relation = 'partial') as partial_rows
from closest
group by dataset, quarter
