-- License -> subscription validity (docs/data-contract.md §4): a license's
-- zuora_subscription_id is valid when it exists as a Zuora subscription id (any
-- version, not deleted). A license naming an older version keeps that version;
-- the lineage is dim_subscription_id_original.
with licenses as (
    select * from {{ ref('stg_license_db__licenses') }}
),

subscriptions as (
    select * from {{ ref('stg_zuora__subscription') }}
)

select
    licenses.id as dim_license_id,
    licenses.license_md5,
    licenses.zuora_subscription_id,
    licenses.zuora_subscription_name,
    licenses.trial,
    licenses.zuora_subscription_id is not null as is_license_mapped_to_subscription,
    subscriptions.id is not null as is_license_subscription_id_valid,
    subscriptions.id as dim_subscription_id,
    subscriptions.original_id as dim_subscription_id_original
from licenses
left join subscriptions
    on subscriptions.id = licenses.zuora_subscription_id
