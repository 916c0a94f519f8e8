{#- Salesforce's 15 -> 18 character id conversion (docs/data-contract.md §4), in plain SQL
    so it runs unchanged on DuckDB and Snowflake. For each 5-character chunk, bit i
    is set when character i is an uppercase A-Z; the chunk's suffix character is
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits]. 18-character ids pass through; blank
    ids become NULL; other lengths are kept as given (they will not join). -#}
{% macro sfdc_id_18(column) -%}
    {%- set alphabet = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'" -%}
    case
        when nullif(trim({{ column }}), '') is null then null
        when length(trim({{ column }})) = 15 then trim({{ column }})
        {%- for chunk in range(3) %}
            || substr({{ alphabet }}, 1
            {%- for i in range(5) %}
                + case when ascii(substr(trim({{ column }}), {{ chunk * 5 + i + 1 }}, 1)) between 65 and 90 then {{ 2 ** i }} else 0 end
            {%- endfor %}, 1)
        {%- endfor %}
        else trim({{ column }})
    end
{%- endmacro %}
