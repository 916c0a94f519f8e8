-- Each customer entity carries exactly the key of its type, and no account,
-- namespace or installation is two customers.
select dim_customer_id, 'wrong keys for its type' as problem
from {{ ref('dim_customer') }}
where (customer_entity_type = 'crm_account' and (dim_crm_account_id is null or dim_namespace_id is not null or dim_installation_id is not null))
    or (customer_entity_type = 'namespace' and (dim_namespace_id is null or dim_crm_account_id is not null or dim_installation_id is not null))
    or (customer_entity_type = 'installation' and (dim_installation_id is null or dim_crm_account_id is not null or dim_namespace_id is not null))

union all

select max(dim_customer_id), 'entity twice'
from {{ ref('dim_customer') }}
group by customer_entity_type, dim_crm_account_id, dim_namespace_id, dim_installation_id
having count(*) > 1
