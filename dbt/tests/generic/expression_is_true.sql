{#- Fails on every row where the expression is false (use the test's `where` config to narrow it). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
