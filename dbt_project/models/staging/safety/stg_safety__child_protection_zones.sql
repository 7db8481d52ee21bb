-- Gangseo's child protection zones, the latest record per facility, projected to EPSG:5186 (always_xy)
-- for metric distances. Addresses and the managing agency's details are not needed downstream.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'child_protection_zones'), ['zone_id'], ['data_reference_date desc nulls last'], where='in_gangseo') }}
),

current_zones as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
)

select
    zone_id,
    facility_type,
    facility_name,
    road_width_m,
    longitude,
    latitude,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186
from current_zones
