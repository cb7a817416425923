{#-
  `relationships` for a composite key: every row whose `columns` are all set must have a row in
  `to` with the same values (`to_columns`, defaulting to the same names).
-#}
{% test relationships_composite(model, to, columns, to_columns=none) %}

{%- set to_columns = to_columns or columns %}

select child.*
from {{ model }} as child
left join {{ to }} as parent
    on {% for column in columns %}parent.{{ to_columns[loop.index0] }} = child.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
where {% for column in columns %}child.{{ column }} is not null and {% endfor %}parent.{{ to_columns[0] }} is null

{% endtest %}
