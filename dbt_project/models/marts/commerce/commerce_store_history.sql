-- Store history, SCD type 2 over the quarterly snapshots: one row per store and version, a new version
-- whenever a tracked attribute (name, branch/franchise, 업종 codes, road address or 행정동) changes or the store
-- reappears after missing a snapshot. Rebuilt in full from every loaded snapshot on each run: the input is
-- small (Gangseo's stores × quarters), a late-loaded earlier quarter lands in the right place, and a
-- reloaded quarter (deduplicated in staging) gives the same rows.
-- valid_from is the first snapshot month showing the version; valid_to the first snapshot month that no
-- longer shows it (exclusive; NULL while current). A store missing from a snapshot is closed in it.

with months as (
    select reference_month, row_number() over (order by reference_month) as snapshot_no
    from (select distinct reference_month from {{ ref('stg_commerce__stores') }})
),

observed as (
    select
        stores.*,
        months.snapshot_no,
        md5(concat_ws('|', store_name, coalesce(branch_name, ''), category_large_code, category_middle_code,
                      category_small_code, coalesce(address_key, ''), adong_code)) as attributes_hash
    from {{ ref('stg_commerce__stores') }} as stores
    join months using (reference_month)
),

flagged as (
    select
        *,
        lag(snapshot_no) over store_order as previous_snapshot_no,
        lag(attributes_hash) over store_order as previous_hash,
        lag(store_name) over store_order as previous_name,
        lag(branch_name) over store_order as previous_branch,
        lag(category_small_code) over store_order as previous_category,
        lag(address_key) over store_order as previous_address,
        lag(adong_code) over store_order as previous_adong
    from observed
    window store_order as (partition by store_id order by snapshot_no)
),

starts as (
    select
        *,
        case
            when previous_snapshot_no is null and snapshot_no = 1 then 'initial'
            when previous_snapshot_no is null then 'opened'
            when previous_snapshot_no < snapshot_no - 1 then 'reopened'
            when previous_hash <> attributes_hash then 'changed'
        end as change_type
    from flagged
),

numbered as (
    select *, count(change_type) over (partition by store_id order by snapshot_no) as version_no
    from starts
),

versions as (
    select
        store_id,
        version_no,
        min(snapshot_no) as first_snapshot_no,
        max(snapshot_no) as last_snapshot_no,
        arg_min(change_type, snapshot_no) as change_type,
        arg_min(previous_snapshot_no = snapshot_no - 1 and previous_name is distinct from store_name, snapshot_no)
            as name_changed,
        arg_min(previous_snapshot_no = snapshot_no - 1 and previous_category is distinct from category_small_code, snapshot_no)
            as category_changed,
        arg_min(previous_snapshot_no = snapshot_no - 1
                and (previous_address is distinct from address_key or previous_adong is distinct from adong_code), snapshot_no)
            as address_changed,
        arg_min(previous_snapshot_no = snapshot_no - 1 and previous_branch is distinct from branch_name, snapshot_no)
            as branch_changed
    from numbered
    group by store_id, version_no
)

select
    versions.store_id,
    versions.version_no,
    first_month.reference_month as valid_from,
    next_month.reference_month as valid_to,
    next_month.reference_month is null as is_current,
    versions.change_type,
    coalesce(versions.name_changed, false) as name_changed,
    coalesce(versions.category_changed, false) as category_changed,
    coalesce(versions.address_changed, false) as address_changed,
    coalesce(versions.branch_changed, false) as branch_changed,
    store.store_name,
    store.branch_name,
    store.is_franchise,
    store.category_large_code,
    store.category_middle_code,
    store.category_small_code,
    store.category_small_name,
    store.adong_code,
    store.address_key,
    store.area_code
from versions
join observed as store
    on store.store_id = versions.store_id and store.snapshot_no = versions.first_snapshot_no
join months as first_month on first_month.snapshot_no = versions.first_snapshot_no
left join months as next_month on next_month.snapshot_no = versions.last_snapshot_no + 1
