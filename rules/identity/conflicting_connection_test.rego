package airtf.rules.identity.conflicting_connection_test

import data.airtf.rules.identity.conflicting_connection

connection(path, differ) := {"conn_id": "aws_etl", "source": "env_file", "path": path, "line": 2, "definitions_differ": differ}

test_each_differing_definition_is_flagged if {
	results := conflicting_connection.deny with input as {"airflow": {"connections": [connection(".env", true), connection("conns.yaml", true)]}}
	count(results) == 2
}

test_identical_definitions_pass if {
	count(conflicting_connection.deny) == 0 with input as {"airflow": {"connections": [connection(".env", false)]}}
}
