package acme.cross.finance_role_test

import data.acme.cross.finance_role

task(dag_id, principal) := {"dag_id": dag_id, "task_id": "t", "identities": [{"principal": principal}], "path": "dags/x.py", "line": 7}

test_a_marketing_task_on_the_finance_role_is_flagged if {
	count(finance_role.deny) == 1 with input as {"airflow": {"tasks": [task("marketing_daily", "arn:aws:iam::1:role/finance-reader")]}}
}

test_a_finance_task_on_the_finance_role_passes if {
	count(finance_role.deny) == 0 with input as {"airflow": {"tasks": [task("finance_close", "arn:aws:iam::1:role/finance-reader")]}}
}

test_an_unresolved_identity_is_not_flagged if {
	count(finance_role.deny) == 0 with input as {"airflow": {"tasks": [task("marketing_daily", null)]}}
}

test_a_role_named_only_by_its_connection_counts if {
	t := {"dag_id": "marketing_daily", "task_id": "t", "identities": [{"principal": null, "reference": "arn:aws:iam::1:role/finance-reader"}], "path": "dags/x.py", "line": 7}
	count(finance_role.deny) == 1 with input as {"airflow": {"tasks": [t]}}
}
