-- Per child protection zone and hour of day: cameras within 100 m, child-accident hotspots (by their
-- centre) and their casualties within 300 m, and the speeding rate measured by smart poles within 300 m
-- of the zone in that hour of the day over the whole period (NULL when no pole is that close or it
-- counted no vehicle). Straight-line distances between EPSG:5186 points (always_xy, metres).

{%- set camera_radius_m = 100 %}
{%- set hotspot_radius_m = 300 %}
{%- set pole_radius_m = 300 %}

with zones as (
    select * from {{ ref('stg_safety__child_protection_zones') }}
),

cameras as (
    select
        zones.zone_id,
        count(cctv.camera_id) as camera_sites_within_100m,
        coalesce(sum(cctv.camera_count), 0) as cameras_within_100m
    from zones
    left join {{ ref('stg_safety__cctv') }} as cctv
        on sqrt(pow(cctv.x_5186 - zones.x_5186, 2) + pow(cctv.y_5186 - zones.y_5186, 2)) <= {{ camera_radius_m }}
    group by zones.zone_id
),

hotspots as (
    select
        zones.zone_id,
        count(spots.hotspot_fid) as hotspots_within_300m,
        coalesce(sum(spots.accident_count), 0) as accidents_within_300m,
        coalesce(sum(spots.casualty_count), 0) as casualties_within_300m
    from zones
    left join {{ ref('stg_safety__child_hotspots') }} as spots
        on sqrt(pow(spots.x_5186 - zones.x_5186, 2) + pow(spots.y_5186 - zones.y_5186, 2)) <= {{ hotspot_radius_m }}
    group by zones.zone_id
),

poles as (
    select distinct pole_id, x_5186, y_5186 from {{ ref('stg_safety__smart_pole_counts') }}
),

zone_poles as (
    select zones.zone_id, poles.pole_id
    from zones
    inner join poles
        on sqrt(pow(poles.x_5186 - zones.x_5186, 2) + pow(poles.y_5186 - zones.y_5186, 2)) <= {{ pole_radius_m }}
),

speeding as (
    select
        zone_poles.zone_id,
        hour(counts.interval_start) as hour_of_day,
        sum(counts.vehicles) as vehicles,
        sum(counts.speeding_vehicles) as speeding_vehicles
    from zone_poles
    inner join {{ ref('stg_safety__smart_pole_counts') }} as counts using (pole_id)
    group by zone_poles.zone_id, hour(counts.interval_start)
),

zone_hours as (
    select zones.zone_id, hours.hour_of_day
    from zones
    cross join range(24) as hours(hour_of_day)
)

select
    zone_hours.zone_id,
    cast(zone_hours.hour_of_day as integer) as hour_of_day,
    zones.facility_name,
    zones.facility_type,
    zones.road_width_m,
    cast(cameras.camera_sites_within_100m as integer) as camera_sites_within_100m,
    cast(cameras.cameras_within_100m as integer) as cameras_within_100m,
    cast(hotspots.hotspots_within_300m as integer) as hotspots_within_300m,
    cast(hotspots.accidents_within_300m as integer) as accidents_within_300m,
    cast(hotspots.casualties_within_300m as integer) as casualties_within_300m,
    cast((select count(*) from zone_poles where zone_poles.zone_id = zone_hours.zone_id) as integer) as poles_within_300m,
    cast(speeding.vehicles as bigint) as pole_vehicles,
    cast(speeding.speeding_vehicles as bigint) as pole_speeding_vehicles,
    speeding.speeding_vehicles / nullif(speeding.vehicles, 0) as speeding_rate
from zone_hours
inner join zones using (zone_id)
inner join cameras using (zone_id)
inner join hotspots using (zone_id)
left join speeding
    on speeding.zone_id = zone_hours.zone_id and speeding.hour_of_day = zone_hours.hour_of_day
