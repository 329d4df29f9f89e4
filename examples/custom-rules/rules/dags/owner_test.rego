package acme.dags.owner_test

import data.acme.dags.owner

dag(default_args) := {"dag_id": "etl", "default_args": default_args, "path": "dags/etl.py", "line": 4}

test_a_dag_without_an_owner_is_flagged if {
	count(owner.deny) == 1 with input as {"airflow": {"dags": [dag({})]}}
}

test_the_default_owner_is_not_a_team if {
	count(owner.deny) == 1 with input as {"airflow": {"dags": [dag({"owner": {"value": "airflow", "kind": "literal"}})]}}
}

test_a_team_owner_passes if {
	count(owner.deny) == 0 with input as {"airflow": {"dags": [dag({"owner": {"value": "data-eng", "kind": "literal"}})]}}
}
