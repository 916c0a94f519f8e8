-- Every Salesforce account id (18 characters) -> the surviving account it merged
-- into (docs/data-contract.md §4). A merged account is deleted and points through
-- master_record_id to the next account; chains are followed to a survivor (an
-- account that is not deleted). The walk stops after 20 hops, so a cycle or a
-- chain into a missing/deleted account ends unresolved (survivor NULL).
with recursive accounts as (
    select
        account_id_18,
        master_record_id_18,
        is_deleted
    from {{ ref('stg_sfdc__account') }}
),

chain (account_id_18, current_account_id, merge_depth) as (
    select
        account_id_18,
        account_id_18,
        0
    from accounts

    union all

    select
        chain.account_id_18,
        accounts.master_record_id_18,
        chain.merge_depth + 1
    from chain
    inner join accounts
        on accounts.account_id_18 = chain.current_account_id
    where accounts.is_deleted
        and accounts.master_record_id_18 is not null
        and chain.merge_depth < 20
),

chain_end as (
    select
        account_id_18,
        current_account_id,
        merge_depth
    from chain
    qualify row_number() over (partition by account_id_18 order by merge_depth desc) = 1
)

select
    chain_end.account_id_18 as crm_account_id,
    case when not survivor.is_deleted then survivor.account_id_18 end as surviving_crm_account_id,
    chain_end.merge_depth,
    case
        when chain_end.merge_depth = 0 and not survivor.is_deleted then 'survivor'
        when not survivor.is_deleted then 'merged'
        when survivor.account_id_18 is null then 'merged_into_missing_account'
        else 'deleted'
    end as merge_resolution
from chain_end
left join accounts as survivor
    on survivor.account_id_18 = chain_end.current_account_id
