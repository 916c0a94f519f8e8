{#- Salesforce's 15 -> 18 character id conversion (docs/data-contract.md §4), in plain SQL
    so it runs unchanged on DuckDB and Snowflake. For each 5-character chunk, bit i
    is set when character i is an uppercase A-Z; the chunk's suffix character is
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits] (the Python owner is
    customer_usage/sfdc_ids.py; a test compares the two). An 18-character id is
    rebuilt from its first 15 characters, so a mangled checksum still joins the
    account its case-sensitive prefix names (flagged by sfdc_id_checksum_matches);
    blank ids become NULL; other lengths are kept as given (they will not join). -#}
{% macro sfdc_id_18(column) -%}
    {%- set alphabet = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'" -%}
    case
        when nullif(trim({{ column }}), '') is null then null
        when length(trim({{ column }})) in (15, 18) then substr(trim({{ column }}), 1, 15)
        {%- for chunk in range(3) %}
            || substr({{ alphabet }}, 1
            {%- for i in range(5) %}
                + case when ascii(substr(trim({{ column }}), {{ chunk * 5 + i + 1 }}, 1)) between 65 and 90 then {{ 2 ** i }} else 0 end
            {%- endfor %}, 1)
        {%- endfor %}
        else trim({{ column }})
    end
{%- endmacro %}

{#- True when a non-blank id has the shape of a Salesforce id: 15 or 18 letters/digits. -#}
{% macro sfdc_id_is_well_formed(column) -%}
    {{ return(adapter.dispatch('sfdc_id_is_well_formed', 'customer_usage')(column)) }}
{%- endmacro %}

{% macro default__sfdc_id_is_well_formed(column) -%}
    (length(trim({{ column }})) in (15, 18) and regexp_full_match(trim({{ column }}), '[A-Za-z0-9]+'))
{%- endmacro %}

{% macro snowflake__sfdc_id_is_well_formed(column) -%}
    (length(trim({{ column }})) in (15, 18) and regexp_like(trim({{ column }}), '[A-Za-z0-9]+'))
{%- endmacro %}
