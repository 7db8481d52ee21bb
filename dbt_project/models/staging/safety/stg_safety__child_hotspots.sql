-- Gangseo's child-accident hotspots (KOROAD schoolzoneChild / frequentzoneChild), the latest record of
-- each hotspot, centre projected to EPSG:5186 (always_xy). The polygon stays GeoJSON text in WGS84; the
-- marts project it when they intersect it with grid cells.
with ranked as (
    select
        *,
        row_number() over (partition by hotspot_fid order by _loaded_at desc, _row_number desc) as recency
    from {{ source('raw_identified', 'taas_child_hotspots') }}
    where in_gangseo
),

current_hotspots as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
    where recency = 1
)

select
    hotspot_fid,
    hotspot_kind,
    accident_count,
    casualty_count,
    longitude,
    latitude,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186,
    geometry_geojson
from current_hotspots
