-- Smart-pole counts per pole and 15 minutes, only intervals the pole reported as 정상 (counts are null
-- otherwise), the latest record of each interval; pole positions projected to EPSG:5186 (always_xy).
with ranked as (
    select
        *,
        row_number() over (
            partition by pole_id, interval_start order by _loaded_at desc, _row_number desc
        ) as recency
    from {{ source('raw_identified', 'smart_pole_counts') }}
    where device_status = '정상'
),

current_counts as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
    where recency = 1
)

select
    pole_id,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186,
    interval_start,
    vehicles,
    speeding_vehicles,
    children_detected
from current_counts
