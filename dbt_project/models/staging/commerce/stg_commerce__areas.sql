-- Gangseo's 상권 with their representative point in the three CRSs the lake uses. The published X/Y are
-- EPSG:5181 TM metres (not degrees); always_xy keeps (easting, northing) and (longitude, latitude) order.
-- The register may be loaded from several files (CSV and API): one row per 상권, chosen by value so the
-- result does not depend on the load order.

with registered as (
    {{ latest_per_key(source('raw_identified', 'commerce_areas'), ['area_code'],
                      ['area_name', 'x_5181', 'y_5181', 'adong_code', 'area_type_code', 'area_m2'],
                      where="sigungu_code = '11500' and area_code is not null") }}
),

areas as (
    select
        area_code, area_name, area_type_code, area_type_name, adong_code, adong_name, area_m2,
        x_5181, y_5181, ST_Point(x_5181, y_5181) as point_5181
    from registered
)

select
    area_code,
    area_name,
    area_type_code,
    area_type_name,
    adong_code,
    adong_name,
    area_m2,
    x_5181,
    y_5181,
    ST_X(ST_Transform(point_5181, 'EPSG:5181', 'EPSG:4326', always_xy := true)) as longitude,
    ST_Y(ST_Transform(point_5181, 'EPSG:5181', 'EPSG:4326', always_xy := true)) as latitude,
    ST_X(ST_Transform(point_5181, 'EPSG:5181', 'EPSG:5186', always_xy := true)) as x_5186,
    ST_Y(ST_Transform(point_5181, 'EPSG:5181', 'EPSG:5186', always_xy := true)) as y_5186
from areas
