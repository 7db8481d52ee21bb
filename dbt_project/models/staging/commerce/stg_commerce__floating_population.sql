-- Seoul's street-level floating population (길단위인구) for Gangseo's 상권, by time band. One row per key.

with flpop as (
    {{ latest_per_key(source('raw_identified', 'commerce_floating_population'), ['quarter', 'area_code'], ['total_population desc'],
                      where="area_code in (select area_code from " ~ ref('stg_commerce__areas') ~ ")") }}
)

select
    quarter,
    area_code,
    total_population,
    tb_00_06_population,
    tb_06_11_population,
    tb_11_14_population,
    tb_14_17_population,
    tb_17_21_population,
    tb_21_24_population
from flpop
