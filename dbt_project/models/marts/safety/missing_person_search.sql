-- Per 250 m grid cell over Gangseo (every cell of the grid seed, so cells without cameras show as gaps):
-- the cameras a missing-person search would ask for footage, by 설치목적구분, their resolution and the
-- shortest footage retention, the nearest child protection zone and whether a child-accident hotspot
-- overlaps the cell. Distances and intersections in EPSG:5186 metres (always_xy).

with cells as (
    select
        cell_id,
        centroid_lon,
        centroid_lat,
        gangseo_share,
        x_min,
        y_min,
        st_makeenvelope(x_min, y_min, x_min + 250, y_min + 250) as cell_5186
    from {{ ref('gangseo_grid_250m') }}
),

cameras as (
    select
        grid_cell_id as cell_id,
        count(*) as camera_sites,
        sum(camera_count) as total_cameras,
        {%- for code, column in [('생활방범', 'crime_prevention'), ('다목적', 'multipurpose'), ('어린이보호', 'child_protection'),
                                  ('교통단속', 'traffic_enforcement'), ('교통정보수집', 'traffic_information'),
                                  ('시설물관리', 'facility_management'), ('재난재해', 'disaster'),
                                  ('쓰레기단속', 'littering'), ('차량방범', 'vehicle_crime'), ('기타', 'other')] %}
        coalesce(sum(camera_count) filter (where purpose = '{{ code }}'), 0) as cameras_{{ column }},
        {%- endfor %}
        coalesce(sum(camera_count) filter (where camera_pixels_10k >= 200), 0) as cameras_2mp_or_more,
        min(camera_pixels_10k) as min_camera_pixels_10k,
        min(retention_days) as min_retention_days
    from {{ ref('stg_safety__cctv') }}
    group by grid_cell_id
),

nearest_zone as (
    select cell_id, zone_id as nearest_child_zone_id, distance_m as nearest_child_zone_m
    from (
        select
            cells.cell_id,
            zones.zone_id,
            st_distance(st_centroid(cells.cell_5186), st_point(zones.x_5186, zones.y_5186)) as distance_m,
            row_number() over (
                partition by cells.cell_id
                order by st_distance(st_centroid(cells.cell_5186), st_point(zones.x_5186, zones.y_5186)), zones.zone_id
            ) as nearest
        from cells
        cross join {{ ref('stg_safety__child_protection_zones') }} as zones
    )
    where nearest = 1
),

hotspot_areas as (
    -- the published polygon; a hotspot without one counts by its centre point
    select
        hotspot_fid,
        coalesce(
            st_transform(st_geomfromgeojson(geometry_geojson), 'EPSG:4326', 'EPSG:5186', always_xy := true),
            st_point(x_5186, y_5186)
        ) as area_5186
    from {{ ref('stg_safety__child_hotspots') }}
),

hotspots as (
    select cells.cell_id, count(*) as overlapping_hotspots
    from cells
    inner join hotspot_areas on st_intersects(cells.cell_5186, hotspot_areas.area_5186)
    group by cells.cell_id
)

select
    cells.cell_id,
    cells.centroid_lon,
    cells.centroid_lat,
    cells.gangseo_share,
    cast(coalesce(cameras.camera_sites, 0) as integer) as camera_sites,
    cast(coalesce(cameras.total_cameras, 0) as integer) as total_cameras,
    {%- for column in ['crime_prevention', 'multipurpose', 'child_protection', 'traffic_enforcement', 'traffic_information',
                       'facility_management', 'disaster', 'littering', 'vehicle_crime', 'other'] %}
    cast(coalesce(cameras.cameras_{{ column }}, 0) as integer) as cameras_{{ column }},
    {%- endfor %}
    cast(coalesce(cameras.cameras_2mp_or_more, 0) as integer) as cameras_2mp_or_more,
    cameras.min_camera_pixels_10k,
    cameras.min_retention_days,
    nearest_zone.nearest_child_zone_id,
    nearest_zone.nearest_child_zone_m,
    coalesce(hotspots.overlapping_hotspots, 0) > 0 as hotspot_overlap,
    cast(coalesce(hotspots.overlapping_hotspots, 0) as integer) as overlapping_hotspots
from cells
left join cameras using (cell_id)
left join nearest_zone using (cell_id)
left join hotspots using (cell_id)
