-- Per household and local day: the activity, power and connectivity features the companion-robot care
-- pilot alerts on. Power is compared with the household's own trailing 28-day median, not a population
-- norm, because households differ far more than days do.

with hours as (
    select
        household_pseudonym,
        timezone('Asia/Seoul', measured_at) as local_time,
        device_online,
        motion_events,
        power_wh,
        door_openings,
        device_online and motion_events = 0 as inactive
    from {{ ref('stg_welfare__iot_readings') }}
),

inactive_runs as (
    -- consecutive inactive hours share local_time minus their rank (gaps and islands)
    select
        household_pseudonym,
        cast(local_time as date) as activity_date,
        local_time - to_hours(
            row_number() over (partition by household_pseudonym, cast(local_time as date) order by local_time)
        ) as island
    from hours
    where inactive
),

longest_runs as (
    select household_pseudonym, activity_date, max(run_hours) as longest_inactive_run_h
    from (
        select household_pseudonym, activity_date, island, count(*) as run_hours
        from inactive_runs
        group by household_pseudonym, activity_date, island
    )
    group by household_pseudonym, activity_date
),

daily as (
    select
        household_pseudonym,
        cast(local_time as date) as activity_date,
        count(distinct local_time) filter (where device_online) as online_hours,
        coalesce(sum(motion_events), 0) as motion_events,
        count(distinct local_time) filter (where inactive) as inactive_hours,
        coalesce(sum(motion_events) filter (where hour(local_time) < 6), 0) as night_motion_events,
        coalesce(sum(power_wh), 0) as power_wh,
        coalesce(sum(door_openings), 0) as door_openings
    from hours
    group by household_pseudonym, cast(local_time as date)
),

with_baseline as (
    select
        *,
        median(power_wh) over (
            partition by household_pseudonym order by activity_date
            range between interval 28 days preceding and interval 1 day preceding
        ) as trailing_median_wh
    from daily
)

select
    with_baseline.household_pseudonym,
    with_baseline.activity_date,
    cast(with_baseline.online_hours as integer) as online_hours,
    cast(with_baseline.motion_events as integer) as motion_events,
    cast(with_baseline.inactive_hours as integer) as inactive_hours,
    cast(coalesce(longest_runs.longest_inactive_run_h, 0) as integer) as longest_inactive_run_h,
    cast(with_baseline.night_motion_events as integer) as night_motion_events,
    with_baseline.power_wh,
    with_baseline.power_wh / nullif(with_baseline.trailing_median_wh, 0) as power_vs_median,
    cast(with_baseline.door_openings as integer) as door_openings,
    cast(24 - with_baseline.online_hours as integer) as offline_hours,
    coalesce(longest_runs.longest_inactive_run_h, 0) >= 12 as inactivity_alert,
    coalesce(
        with_baseline.power_wh / nullif(with_baseline.trailing_median_wh, 0) not between 0.3 and 3.0, false
    ) as power_anomaly
from with_baseline
left join longest_runs using (household_pseudonym, activity_date)
