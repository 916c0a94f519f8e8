-- Licenses of the license app. dim_subscription_id is set only when the license's
-- zuora_subscription_id exists in Zuora (docs/data-contract.md §4); a license naming an
-- older version keeps that version, its lineage is dim_subscription_id_original.
-- Contact e-mails stay in staging (PII).
with licenses as (
    select * from {{ ref('stg_license_db__licenses') }}
),

validity as (
    select * from {{ ref('int_license_subscription') }}
),

subscriptions as (
    select * from {{ ref('dim_subscription') }}
)

select
    licenses.id as dim_license_id,
    licenses.license_md5,
    validity.dim_subscription_id,
    validity.dim_subscription_id_original,
    subscriptions.dim_crm_account_id,
    subscriptions.dim_billing_account_id,
    licenses.zuora_subscription_id,
    licenses.zuora_subscription_name,
    validity.is_license_mapped_to_subscription,
    validity.is_license_subscription_id_valid,
    licenses.users_count as license_user_count,
    licenses.plan_code,
    licenses.starts_at as license_start_date,
    licenses.expires_at as license_expire_date,
    licenses.trial as is_trial,
    licenses.company,
    licenses.created_at,
    licenses.updated_at
from licenses
inner join validity
    on validity.dim_license_id = licenses.id
left join subscriptions
    on subscriptions.dim_subscription_id = validity.dim_subscription_id
