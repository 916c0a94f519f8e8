-- Coverage is a share: 0 <= numerator <= denominator, and unmapped ARR is never negative.
select *
from {{ ref('rpt_integration_coverage') }}
where numerator < 0
    or numerator > denominator
    or coverage < 0
    or coverage > 1
    or unmapped_arr < 0
