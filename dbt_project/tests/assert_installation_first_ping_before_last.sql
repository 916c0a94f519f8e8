-- An installation's first ping is not after its last.
select *
from {{ ref('dim_installation') }}
where first_ping_at > last_ping_at
