-- Seoul's street-level floating population (길단위인구) for Gangseo's 상권, by time band. One row per key.

select distinct on (flpop.quarter, flpop.area_code)
    flpop.quarter,
    flpop.area_code,
    flpop.total_population,
    flpop.tb_00_06_population,
    flpop.tb_06_11_population,
    flpop.tb_11_14_population,
    flpop.tb_14_17_population,
    flpop.tb_17_21_population,
    flpop.tb_21_24_population
from {{ source('raw_identified', 'commerce_floating_population') }} as flpop
semi join {{ ref('stg_commerce__areas') }} as areas on areas.area_code = flpop.area_code
order by flpop.quarter, flpop.area_code, flpop.total_population desc
