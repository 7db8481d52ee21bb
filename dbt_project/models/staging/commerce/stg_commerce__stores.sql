-- Gangseo's stores, one row per store per quarterly snapshot (2023 업종 codes only: the pre-2023 release uses
-- another code system and would show every store as a category change). The same quarter may be loaded
-- more than once (the ZIP and the storeListInDong answer of the same month, or a re-delivered file): one
-- row per (store, month) is kept, chosen by value, so a reload cannot change anything downstream.
-- Each store gets its point in EPSG:5186 (metres, for distances) and the nearest 상권 within 500 m. The
-- road address itself stays in the raw zone (it reads like a person's address to the identifier gate):
-- the history only needs to know whether it changed, so staging keeps its hash.

with snapshot_records as (
    {{ latest_per_key(source('raw_identified', 'stores'), ['store_id', 'reference_month'],
                      ['store_name', 'branch_name', 'category_small_code', 'adong_code', 'road_address', 'longitude',
                       'latitude'],
                      where="sigungu_code = '11500' and category_scheme = '2023'") }}
),

snapshots as (
    select
        store_id,
        reference_month,
        store_name,
        nullif(trim(branch_name), '') as branch_name,
        category_large_code, category_large_name,
        category_middle_code, category_middle_name,
        category_small_code, category_small_name,
        adong_code,
        bdong_code,
        road_address,
        longitude,
        latitude
    from snapshot_records
),

located as (
    select
        *,
        ST_Transform(ST_Point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as point_5186
    from snapshots
),

nearest_area as (
    select distinct on (located.store_id, located.reference_month)
        located.store_id, located.reference_month, areas.area_code
    from located
    join {{ ref('stg_commerce__areas') }} as areas
        on ST_DWithin(located.point_5186, ST_Point(areas.x_5186, areas.y_5186), 500)
    order by located.store_id, located.reference_month,
             ST_Distance(located.point_5186, ST_Point(areas.x_5186, areas.y_5186)), areas.area_code
)

select
    located.store_id,
    located.reference_month,
    substr(located.reference_month, 1, 4) || cast((cast(substr(located.reference_month, 5, 2) as integer) + 2) // 3 as varchar)
        as quarter,
    located.store_name,
    located.branch_name,
    located.branch_name is not null as is_franchise,
    located.category_large_code, located.category_large_name,
    located.category_middle_code, located.category_middle_name,
    located.category_small_code, located.category_small_name,
    located.adong_code,
    located.bdong_code,
    md5(located.road_address) as address_key,
    located.longitude,
    located.latitude,
    ST_X(located.point_5186) as x_5186,
    ST_Y(located.point_5186) as y_5186,
    nearest_area.area_code
from located
left join nearest_area using (store_id, reference_month)
