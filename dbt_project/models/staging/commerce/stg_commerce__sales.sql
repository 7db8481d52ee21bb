-- Seoul's estimated sales (추정매출) for Gangseo's 상권: the quarter total and the mixes the mart turns into
-- profiles. The same quarter may arrive twice (CSV and API): one row per key, chosen by value.
-- Incremental by quarter (every quarter when the 상권 register changed).
{%- set raw_sales = source('raw_identified', 'commerce_sales') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('quarter', source('raw_identified', 'commerce_sales'), 'quarter', "
                   "[ref('stg_commerce__areas')]) }}") }}

with sales as (
    {{ latest_per_key(raw_sales, ['quarter', 'area_code', 'service_code'], ['sales_amount desc', 'sales_count desc'],
                      where="area_code in (select area_code from " ~ ref('stg_commerce__areas') ~ ") and "
                            ~ changed_partitions(raw_sales, 'quarter', [ref('stg_commerce__areas')])) }}
)

select
    quarter,
    area_code,
    service_code,
    service_name,
    sales_amount,
    sales_count,
    weekday_sales_amount,
    weekend_sales_amount,
    weekday_sales_count,
    weekend_sales_count,
    tb_00_06_sales_amount,
    tb_06_11_sales_amount,
    tb_11_14_sales_amount,
    tb_14_17_sales_amount,
    tb_17_21_sales_amount,
    tb_21_24_sales_amount,
    male_sales_amount,
    female_sales_amount,
    age_10_sales_amount,
    age_20_sales_amount,
    age_30_sales_amount,
    age_40_sales_amount,
    age_50_sales_amount,
    age_60_above_sales_amount
from sales
