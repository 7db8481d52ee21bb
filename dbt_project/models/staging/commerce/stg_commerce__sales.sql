-- Seoul's estimated sales (추정매출) for Gangseo's 상권: the quarter total and the mixes the mart turns into
-- profiles. The same quarter may arrive twice (CSV and API): one row per key, chosen by value.

select distinct on (sales.quarter, sales.area_code, sales.service_code)
    sales.quarter,
    sales.area_code,
    sales.service_code,
    sales.service_name,
    sales.sales_amount,
    sales.sales_count,
    sales.weekday_sales_amount,
    sales.weekend_sales_amount,
    sales.weekday_sales_count,
    sales.weekend_sales_count,
    sales.tb_00_06_sales_amount,
    sales.tb_06_11_sales_amount,
    sales.tb_11_14_sales_amount,
    sales.tb_14_17_sales_amount,
    sales.tb_17_21_sales_amount,
    sales.tb_21_24_sales_amount,
    sales.male_sales_amount,
    sales.female_sales_amount,
    sales.age_10_sales_amount,
    sales.age_20_sales_amount,
    sales.age_30_sales_amount,
    sales.age_40_sales_amount,
    sales.age_50_sales_amount,
    sales.age_60_above_sales_amount
from {{ source('raw_identified', 'commerce_sales') }} as sales
semi join {{ ref('stg_commerce__areas') }} as areas on areas.area_code = sales.area_code
order by sales.quarter, sales.area_code, sales.service_code, sales.sales_amount desc, sales.sales_count desc
