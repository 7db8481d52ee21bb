-- The latest record per centre across every landed file; the representative's name, the address,
-- the phone and the coordinates stay in the raw zone.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'childcare_centers'), ['center_code'], ['data_reference_date desc']) }}
)

select
    center_code,
    center_name,
    center_type,
    operating_status,
    capacity,
    current_children,
    staff_count,
    approved_date,
    closed_date,
    data_reference_date
from ranked
