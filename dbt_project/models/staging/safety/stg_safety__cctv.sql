-- Gangseo's cameras, one row per installation: the latest record of each 관리번호 across every landed
-- layout (old-generation files get a content-hash id, so the same row saved as CSV and XLSX counts once),
-- LOCALDATA deletions (update type D) dropped. Positions are projected once, here, to EPSG:5186 with
-- always_xy (transforms/spatial/crs.py), and carry their 250 m grid cell (transforms/spatial/grid.py ids).
with ranked as (
    {{ latest_per_key(source('raw_identified', 'cctv'), ['camera_id'], ['data_reference_date desc nulls last'], where='in_gangseo',
                      volatile_columns=['read_on']) }}
),

current_cameras as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
    where coalesce(update_type, '') <> 'D'
)

select
    camera_id,
    purpose,
    camera_count,
    camera_pixels_10k,
    retention_days,
    longitude,
    latitude,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186,
    'G250_' || cast(floor(st_x(position_5186) / 250) * 250 as bigint)
        || '_' || cast(floor(st_y(position_5186) / 250) * 250 as bigint) as grid_cell_id
from current_cameras
