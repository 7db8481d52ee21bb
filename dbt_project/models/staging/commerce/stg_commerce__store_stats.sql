-- Seoul's store statistics (점포) for Gangseo's 상권, as published: 개업_율 and 폐업_률 are percentages of the
-- quarter's stores; 점포_수 counts non-franchise stores, 유사_업종_점포_수 all of them. One row per key.

with stats as (
    {{ latest_per_key(source('raw_identified', 'commerce_store_stats'), ['quarter', 'area_code', 'service_code'], ['similar_store_count desc', 'open_count desc'],
                      where="area_code in (select area_code from " ~ ref('stg_commerce__areas') ~ ")") }}
)

select
    quarter,
    area_code,
    service_code,
    service_name,
    store_count,
    similar_store_count,
    franchise_count,
    open_rate,
    open_count,
    close_rate,
    close_count
from stats
