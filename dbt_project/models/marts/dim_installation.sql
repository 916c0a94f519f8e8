-- Self-managed installations: one row per (host_id, uuid) seen in Service Ping,
-- keyed by the same hash as every ping (installation_id macro), with the latest
-- hostname, version and license it reported and its first/last ping (by recorded_at).
-- installation_type (data-contract §6): the hostname rule (macro
-- installation_type_from_hostname) unless <landing>/reference/installation_types
-- overrides it; an override naming the uuid and the hostname beats one naming the
-- uuid alone. installation_type_source says which applied.
with pings as (
    select * from {{ ref('stg_version_db__usage_data') }}
),

latest as (
    select
        dim_installation_id,
        hostname,
        version,
        edition,
        license_md5
    from pings
    qualify row_number() over (
        partition by dim_installation_id
        order by recorded_at desc, id desc
    ) = 1
),

summary as (
    select
        dim_installation_id,
        max(host_id) as host_id,
        max(uuid) as uuid,
        min(recorded_at) as first_ping_at,
        max(recorded_at) as last_ping_at,
        count(*) as ping_count
    from pings
    group by 1
),

overrides as (
    select * from {{ ref('stg_reference__installation_types') }}
)

select
    summary.dim_installation_id,
    summary.uuid,
    summary.host_id,
    latest.hostname,
    latest.version as latest_version,
    latest.edition as latest_edition,
    latest.license_md5 as latest_license_md5,
    summary.first_ping_at,
    summary.last_ping_at,
    summary.ping_count,
    coalesce(
        host_override.installation_type,
        uuid_override.installation_type,
        {{ installation_type_from_hostname('latest.hostname') }}
    ) as installation_type,
    case
        when host_override.installation_type is not null or uuid_override.installation_type is not null then 'reference'
        else 'hostname'
    end as installation_type_source
from summary
inner join latest
    on latest.dim_installation_id = summary.dim_installation_id
left join overrides as host_override
    on host_override.uuid = summary.uuid
    and host_override.hostname = lower(latest.hostname)
left join overrides as uuid_override
    on uuid_override.uuid = summary.uuid
    and uuid_override.hostname is null
