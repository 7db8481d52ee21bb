-- Gangseo's parking lots, the latest record per 주차장관리번호 across the CSV and API layouts, projected
-- to EPSG:5186 (always_xy) where coordinates exist. Only the 법정동 of the lot-number address leaves
-- the raw zone: addresses, the phone number and the managing agency stay there.
with ranked as (
    {{ latest_per_key(source('raw_identified', 'parking_lots'), ['lot_id'], ['data_reference_date desc nulls last'], where='in_gangseo') }}
),

current_lots as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
)

select
    current_lots.lot_id,
    current_lots.lot_name,
    current_lots.lot_category,
    current_lots.lot_type,
    current_lots.spaces,
    current_lots.has_disabled_spaces,
    legal_dongs.bdong_code,
    current_lots.longitude,
    current_lots.latitude,
    st_x(current_lots.position_5186) as x_5186,
    st_y(current_lots.position_5186) as y_5186,
    current_lots.data_reference_date
from current_lots
-- 지번주소 reads 서울특별시 강서구 <법정동> <지번>
left join {{ ref('gangseo_legal_dongs') }} as legal_dongs
    on legal_dongs.bdong_name = regexp_extract(current_lots.lot_address, '강서구\s+(\S+)', 1)
