-- Customer health per surviving Salesforce account in the AS_OF month
-- (data-contract §6): each score is the ARR-weighted mean of the account's
-- lineage scores (rpt_product_usage_health_score) that are not NULL, so a large
-- subscription weighs more than a small one; coloured by the overall bands of
-- models/health_score_bands.yml. Lineages without a surviving account are not
-- rolled up (they stay in the lineage report). When every contributing lineage
-- has ARR 0 the weights say nothing, so the plain mean is used.
-- Monthly partitioned by snapshot_month (rows only in the AS_OF month).
{{ config(**monthly_partition_config('snapshot_month')) }}
{%- set bands = health_score_bands() %}
{%- set scores = [] %}
{%- for measure in bands.measures %}{% do scores.append(measure.name ~ '_score') %}{% endfor %}
{%- do scores.append('overall_score') %}

with lineage_scores as (
    select *
    from {{ ref('rpt_product_usage_health_score') }}
    where snapshot_month = {{ month_of(as_of_date()) }}
        and dim_crm_account_id is not null
        and {{ in_partition_window('snapshot_month') }}
),

rolled_up as (
    select
        snapshot_month,
        dim_crm_account_id,
        count(*) as lineage_count,
        sum(arr) as arr,
        max(case when deployment_type = 'Self-Managed' then 1 else 0 end) = 1 as has_self_managed,
        max(case when deployment_type = 'GitLab.com' then 1 else 0 end) = 1 as has_gitlab_com
        {%- for score in scores %},
        {{ arr_weighted_mean(score) }} as {{ score }},
        count({{ score }}) as {{ score }}_lineages
        {%- endfor %}
    from lineage_scores
    group by 1, 2
)

select
    {{ hash_key(['snapshot_month', 'dim_crm_account_id']) }} as primary_key,
    snapshot_month,
    dim_crm_account_id,
    lineage_count,
    arr,
    case
        when has_self_managed and has_gitlab_com then 'Both'
        when has_self_managed then 'Self-Managed'
        else 'GitLab.com'
    end as deployment_type
    {%- for score in scores %},
    cast({{ score }} as {{ type_double() }}) as {{ score }},
    {{ health_band_color(bands.overall.bands, score) }} as {{ score[:-6] }}_color,
    {{ score }}_lineages
    {%- endfor %}
from rolled_up
