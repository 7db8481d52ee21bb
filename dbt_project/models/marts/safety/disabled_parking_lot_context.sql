-- One row per lot of the disabled-parking pilot, to read beside disabled_parking_enforcement (join on
-- lot_id): the lot in the parking-lot standard data, and general illegal-parking enforcement around it.
-- Lot match: the same 주차장관리번호 (the events use the standard data's numbering); else the nearest
-- Gangseo lot within 100 m of the pilot lot's sensor point (straight line between EPSG:5186 points);
-- else none — a name alone is too weak (the district has many 공영주차장 of the same name).
-- Area: every 행정동 covering the matched lot's 법정동 (the official 법정동–행정동 table: one 행정동 for 6 of
-- the 13 법정동, several for the rest; never a guess), with the general enforcement cases of the file with
-- the latest reference date on or before the lot's last event.
{%- set match_radius_m = 100 %}

with pilot_lots as (
    select * from {{ ref('stg_safety__disabled_parking_lots') }}
),

standard_lots as (
    select * from {{ ref('stg_safety__parking_lots') }}
),

enforcement as (
    select * from {{ ref('stg_safety__illegal_parking_enforcement') }}
),

same_id as (
    select lot_id, lot_id as matched_lot_id, 'lot_id' as match_method
    from pilot_lots
    where lot_id in (select lot_id from standard_lots)
),

nearest as (
    select
        pilot_lots.lot_id,
        standard_lots.lot_id as matched_lot_id,
        'nearest' as match_method
    from pilot_lots
    inner join standard_lots
        on sqrt(pow(standard_lots.x_5186 - pilot_lots.x_5186, 2) + pow(standard_lots.y_5186 - pilot_lots.y_5186, 2))
            <= {{ match_radius_m }}
    where pilot_lots.lot_id not in (select lot_id from same_id)
    qualify row_number() over (
        partition by pilot_lots.lot_id
        order by pow(standard_lots.x_5186 - pilot_lots.x_5186, 2) + pow(standard_lots.y_5186 - pilot_lots.y_5186, 2),
            standard_lots.lot_id
    ) = 1
),

matches as (
    select * from same_id
    union all
    select * from nearest
),

area_dongs as (
    select matches.lot_id, adong_bdong.adong_code
    from matches
    inner join standard_lots on standard_lots.lot_id = matches.matched_lot_id
    inner join {{ ref('gangseo_adong_bdong') }} as adong_bdong on adong_bdong.bdong_code = standard_lots.bdong_code
),

periods as (
    select pilot_lots.lot_id, max(enforcement.reference_date) as enforcement_reference_date
    from pilot_lots
    inner join enforcement on enforcement.reference_date <= pilot_lots.last_event_date
    group by pilot_lots.lot_id
),

district as (
    select reference_date, sum(enforcement_count) / count(*) as enforcement_per_adong
    from enforcement
    group by reference_date
),

areas as (
    select
        area_dongs.lot_id,
        count(area_dongs.adong_code) as area_adongs,
        case when count(area_dongs.adong_code) = 1 then min(area_dongs.adong_code) end as adong_code,
        sum(enforcement.enforcement_count) as area_enforcement_count
    from area_dongs
    left join periods using (lot_id)
    left join enforcement
        on enforcement.adong_code = area_dongs.adong_code
        and enforcement.reference_date = periods.enforcement_reference_date
    group by area_dongs.lot_id
)

select
    pilot_lots.lot_id,
    pilot_lots.first_event_date,
    pilot_lots.last_event_date,
    pilot_lots.monitored_spaces,
    matches.matched_lot_id,
    standard_lots.lot_name as matched_lot_name,
    matches.match_method,
    sqrt(pow(standard_lots.x_5186 - pilot_lots.x_5186, 2) + pow(standard_lots.y_5186 - pilot_lots.y_5186, 2))
        as match_distance_m,
    standard_lots.spaces as lot_spaces,
    standard_lots.has_disabled_spaces as lot_has_disabled_spaces,
    pilot_lots.monitored_spaces / nullif(standard_lots.spaces, 0) as monitored_space_share,
    standard_lots.bdong_code,
    areas.adong_code,
    cast(areas.area_adongs as integer) as area_adongs,
    case when areas.area_enforcement_count is not null then periods.enforcement_reference_date end
        as enforcement_reference_date,
    cast(areas.area_enforcement_count as integer) as area_enforcement_count,
    areas.area_enforcement_count / areas.area_adongs / district.enforcement_per_adong as area_enforcement_index
from pilot_lots
left join matches using (lot_id)
left join standard_lots on standard_lots.lot_id = matches.matched_lot_id
left join areas on areas.lot_id = pilot_lots.lot_id
left join periods on periods.lot_id = pilot_lots.lot_id
left join district on district.reference_date = periods.enforcement_reference_date
