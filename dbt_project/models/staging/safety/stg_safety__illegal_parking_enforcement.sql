-- General illegal-parking enforcement per current 강서구 행정동 and reference date, the latest record of
-- each. The file is per-gu (every row is 강서구); total rows and names that are no current 행정동 have
-- no code and are left out, so a district figure is the sum of its 행정동.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'illegal_parking_enforcement'), ['reference_date', 'adong_code'], [], where='adong_code is not null and not is_total') }}
)

select
    reference_date,
    adong_code,
    dong_name,
    enforcement_count
from ranked
