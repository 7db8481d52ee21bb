-- The latest record per centre across every landed file; the representative's name, the address,
-- the phone and the coordinates stay in the raw zone.
with ranked as (
    select
        *,
        row_number() over (
            partition by center_code
            order by data_reference_date desc, _loaded_at desc, _row_number desc
        ) as recency
    from {{ source('raw_identified', 'childcare_centers') }}
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
where recency = 1
