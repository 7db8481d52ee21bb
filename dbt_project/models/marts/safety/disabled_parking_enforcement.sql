-- Per parking lot, 장애인전용 space and clock hour: occupancy from the sensor sessions, arrivals,
-- violations (arrivals without a valid permit: 표지없음 / 표지불일치), violations recorded for a fine
-- (단속대상) and repeat violations (a vehicle pseudonym with an earlier violation anywhere in the
-- district). Vehicles appear only as pseudonyms in staging and not at all here. A violation count of
-- 1 … small_cell_min − 1 in a cell could single out one driver's permit status (health data), so such
-- a cell keeps its key, publishes no measure and has suppressed = true.
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}

with events as (
    select * from {{ ref('stg_safety__disabled_parking_events') }}
),

data_end as (
    select max(event_at) as last_event_at from events
),

sessions as (
    -- an arrival lasts until the space's next event: its departure or, when that was lost (quarantined),
    -- the next arrival; a session still open at the end of the data runs to the last event seen anywhere
    select
        lot_id,
        space_id,
        event_at as arrived_at,
        coalesce(next_at, (select last_event_at from data_end)) as departed_at
    from (
        select
            *,
            lead(event_at) over (partition by lot_id, space_id order by event_at) as next_at
        from events
    )
    where event_type = '입차'
),

violations as (
    select
        lot_id,
        space_id,
        event_at,
        row_number() over (partition by vehicle_pseudonym order by event_at) > 1 as is_repeat
    from events
    where event_type = '입차' and permit_check in ('표지없음', '표지불일치') and vehicle_pseudonym is not null
),

space_hours as (
    select lot_id, space_id, unnest(generate_series(
        date_trunc('hour', min(event_at)), date_trunc('hour', (select last_event_at from data_end)), interval 1 hour
    )) as hour_start
    from events
    group by lot_id, space_id
),

hourly as (
    select
        space_hours.lot_id,
        space_hours.space_id,
        space_hours.hour_start,
        -- greatest/least skip NULLs in DuckDB, so hours without a session must be filtered, not clamped
        coalesce(sum(
            date_diff('second',
                greatest(sessions.arrived_at, space_hours.hour_start),
                least(sessions.departed_at, space_hours.hour_start + interval 1 hour))
        ) filter (where sessions.arrived_at is not null), 0) / 60.0 as occupied_minutes
    from space_hours
    left join sessions
        on sessions.lot_id = space_hours.lot_id and sessions.space_id = space_hours.space_id
        and sessions.arrived_at < space_hours.hour_start + interval 1 hour
        and sessions.departed_at > space_hours.hour_start
    group by space_hours.lot_id, space_hours.space_id, space_hours.hour_start
),

event_counts as (
    select
        lot_id,
        space_id,
        date_trunc('hour', event_at) as hour_start,
        count(*) filter (where event_type = '입차') as arrivals,
        count(*) filter (where action = '단속대상') as fines_recorded
    from events
    group by all
),

violation_counts as (
    select
        lot_id,
        space_id,
        date_trunc('hour', event_at) as hour_start,
        count(*) as violations,
        count(*) filter (where is_repeat) as repeat_violations
    from violations
    group by all
),

counts as (
    select
        hourly.*,
        coalesce(event_counts.arrivals, 0) as arrivals,
        coalesce(violation_counts.violations, 0) as violations,
        coalesce(violation_counts.repeat_violations, 0) as repeat_violations,
        coalesce(event_counts.fines_recorded, 0) as fines_recorded
    from hourly
    left join event_counts using (lot_id, space_id, hour_start)
    left join violation_counts using (lot_id, space_id, hour_start)
),

gated as (
    select
        *,
        (violations between 1 and {{ small_cell_min }} - 1)
        or (repeat_violations between 1 and {{ small_cell_min }} - 1)
        or (fines_recorded between 1 and {{ small_cell_min }} - 1) as suppressed
    from counts
)

select
    lot_id,
    space_id,
    hour_start,
    case when not suppressed then least(occupied_minutes, 60.0) end as occupied_minutes,
    case when not suppressed then cast(arrivals as integer) end as arrivals,
    case when not suppressed then cast(violations as integer) end as violations,
    case when not suppressed then cast(repeat_violations as integer) end as repeat_violations,
    case when not suppressed then repeat_violations / nullif(violations, 0) end as repeat_violation_rate,
    case when not suppressed then cast(fines_recorded as integer) end as fines_recorded,
    suppressed
from gated
