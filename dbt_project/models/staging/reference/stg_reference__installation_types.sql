-- Analyst overrides of installation_type (data-contract §6): one row per uuid and
-- hostname (NULL hostname = every hostname of the uuid). Should the file repeat a
-- key, the last row of the file is not knowable here, so Non-Production wins (the
-- conservative choice: it never makes a staging server primary).
with source as (
    select * from {{ source('reference', 'installation_types') }}
)

select
    trim(uuid) as uuid,
    nullif(lower(trim(hostname)), '') as hostname,
    min(installation_type) as installation_type
from source
where nullif(trim(uuid), '') is not null
group by 1, 2
