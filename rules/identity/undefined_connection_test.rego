package airtf.rules.identity.undefined_connection_test

import data.airtf.rules.identity.undefined_connection

task(identity) := {"dag_id": "etl", "task_id": "load", "identities": [identity]}

identity(conn_id, defined, when_missing) := {
	"conn_id": conn_id, "parameter": "aws_conn_id", "connection_defined": defined, "when_missing": when_missing,
	"evidence": [{"step": "task", "path": "dags/etl.py", "line": 12}],
}

test_undefined_connection_is_flagged_at_the_usage if {
	results := undefined_connection.deny with input as {"airflow": {"tasks": [task(identity("aws_missing", false, "ambient"))]}}
	count(results) == 1
	some r in results
	r.path == "dags/etl.py"
	r.line == 12
	contains(r.msg, "silently falls back")
}

test_providers_that_fail_say_so if {
	results := undefined_connection.deny with input as {"airflow": {"tasks": [task(identity("gcp_missing", false, "error"))]}}
	some r in results
	contains(r.msg, "fails when it runs")
}

test_defined_connection_passes if {
	count(undefined_connection.deny) == 0 with input as {"airflow": {"tasks": [task(identity("aws_etl", true, "ambient"))]}}
}

test_airflow_default_ids_pass if {
	count(undefined_connection.deny) == 0 with input as {"airflow": {"tasks": [task(identity("aws_default", false, "ambient"))]}}
}

test_ids_airflow_creates_pass if {
	emr := object.union(identity("emr_default", false, "empty"), {"airflow_default_connection": true})
	count(undefined_connection.deny) == 0 with input as {"airflow": {"tasks": [task(emr)]}}
}
