-- Seoul's store statistics (점포) for Gangseo's 상권, as published: 개업_율 and 폐업_률 are percentages of the
-- quarter's stores; 점포_수 counts non-franchise stores, 유사_업종_점포_수 all of them. One row per key.

select distinct on (stats.quarter, stats.area_code, stats.service_code)
    stats.quarter,
    stats.area_code,
    stats.service_code,
    stats.service_name,
    stats.store_count,
    stats.similar_store_count,
    stats.franchise_count,
    stats.open_rate,
    stats.open_count,
    stats.close_rate,
    stats.close_count
from {{ source('raw_identified', 'commerce_store_stats') }} as stats
semi join {{ ref('stg_commerce__areas') }} as areas on areas.area_code = stats.area_code
order by stats.quarter, stats.area_code, stats.service_code, stats.similar_store_count desc, stats.open_count desc
