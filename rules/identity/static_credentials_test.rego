package airtf.rules.identity.static_credentials_test

import data.airtf.rules.identity.static_credentials

connection(kind, used_by) := {
	"conn_id": "aws_ci", "source": "env_file", "path": ".env", "line": 3,
	"definition": {"conn_type": "aws", "static_credentials": kind}, "used_by": used_by,
}

test_static_key_is_flagged_at_the_definition_naming_its_task if {
	results := static_credentials.deny with input as {"airflow": {"connections": [connection("AWS access key pair", ["etl.load"])]}}
	count(results) == 1
	some r in results
	r.path == ".env"
	r.line == 3
	contains(r.msg, "etl.load")
}

test_many_users_are_counted if {
	results := static_credentials.deny with input as {"airflow": {"connections": [connection("GCP service-account key", ["a.x", "b.y", "c.z"])]}}
	some r in results
	contains(r.msg, "2 more tasks")
}

test_role_based_connection_passes if {
	count(static_credentials.deny) == 0 with input as {"airflow": {"connections": [connection(null, [])]}}
}
