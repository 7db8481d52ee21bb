-- Per hill area and day: dryness and wind from the hourly observations, precipitation over rolling
-- calendar windows (a day without observations adds nothing, it is not counted as dry or wet), and a
-- risk class by a documented pilot rule (contract: risk_class). Days are the observation's local date.

with daily as (
    select
        station_id,
        hill_area,
        cast(observed_at as date) as observation_date,
        count(*) as hours_observed,
        max(temperature_c) as max_temperature_c,
        min(humidity_pct) as min_humidity_pct,
        avg(humidity_pct) as mean_humidity_pct,
        count(*) filter (where humidity_pct < 35) as dry_hours,
        max(wind_speed_ms) as max_wind_speed_ms,
        avg(wind_speed_ms) as mean_wind_speed_ms,
        sum(precipitation_mm) as precipitation_mm
    from {{ ref('stg_safety__wildfire_weather') }}
    group by station_id, hill_area, cast(observed_at as date)
),

rolling as (
    select
        *,
        sum(precipitation_mm) over (
            partition by station_id order by observation_date
            range between interval 2 days preceding and current row
        ) as precipitation_3d_mm,
        sum(precipitation_mm) over (
            partition by station_id order by observation_date
            range between interval 6 days preceding and current row
        ) as precipitation_7d_mm
    from daily
)

select
    station_id,
    hill_area,
    observation_date,
    cast(hours_observed as integer) as hours_observed,
    max_temperature_c,
    min_humidity_pct,
    mean_humidity_pct,
    cast(dry_hours as integer) as dry_hours,
    max_wind_speed_ms,
    mean_wind_speed_ms,
    precipitation_mm,
    precipitation_3d_mm,
    precipitation_7d_mm,
    case
        when min_humidity_pct is null or max_wind_speed_ms is null then '판정불가'
        when min_humidity_pct < 30 and max_wind_speed_ms >= 6 and coalesce(precipitation_7d_mm, 0) < 1 then '매우높음'
        when min_humidity_pct < 40 and coalesce(precipitation_3d_mm, 0) < 1 then '높음'
        when min_humidity_pct < 60 and coalesce(precipitation_3d_mm, 0) < 5 then '보통'
        else '낮음'
    end as risk_class
from rolling
