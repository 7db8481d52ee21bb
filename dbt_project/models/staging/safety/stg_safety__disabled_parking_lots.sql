-- One row per lot of the disabled-parking sensor events (latest record per event, as the events model
-- keeps them): its sensor spaces, the median of their positions projected to EPSG:5186 (always_xy) and
-- the dates of its first and last event. Nothing about a vehicle or a permit is read.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'disabled_parking_events'), ['event_id'], ['event_at desc']) }}
),

lots as (
    select
        lot_id,
        count(distinct space_id) as monitored_spaces,
        median(longitude) as longitude,
        median(latitude) as latitude,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from ranked
    group by lot_id
),

positioned as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from lots
)

select
    lot_id,
    cast(monitored_spaces as integer) as monitored_spaces,
    longitude,
    latitude,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186,
    cast(first_event_at as date) as first_event_date,
    cast(last_event_at as date) as last_event_date
from positioned
