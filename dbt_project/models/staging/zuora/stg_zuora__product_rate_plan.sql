-- The rate plan name is `<Deployment> - <Tier>` (e.g. `SaaS - Premium`); deployment
-- `SaaS` means GitLab.com. Both parts are derived here once for every model.
with source as (
    select * from {{ source('zuora', 'product_rate_plan') }}
),

parsed as (
    select
        *,
        trim(split_part(name, ' - ', 1)) as deployment_part,
        nullif(trim(split_part(name, ' - ', 2)), '') as tier_part
    from source
)

select
    id,
    product_id,
    name,
    case
        when deployment_part = 'SaaS' then 'GitLab.com'
        when deployment_part = 'Self-Managed' then 'Self-Managed'
    end as deployment_type,
    tier_part as product_tier,
    coalesce(lower(tier_part) not in ('free', 'trial') and lower(tier_part) not like '%trial%', false) as is_paid_tier
from parsed
