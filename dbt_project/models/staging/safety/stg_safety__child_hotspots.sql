-- Gangseo's child-accident hotspots (KOROAD schoolzoneChild / frequentzoneChild), the latest record of
-- each hotspot, centre projected to EPSG:5186 (always_xy). The polygon stays GeoJSON text in WGS84; the
-- marts project it when they intersect it with grid cells.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'taas_child_hotspots'), ['hotspot_fid'], [], where='in_gangseo') }}
),

current_hotspots as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
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
