package airtf.rules.identity.module_level_cloud_calls_test

import data.airtf.rules.identity.module_level_cloud_calls

call(category) := {"call": "boto3.client", "category": category, "cloud": "aws", "path": "dags/d.py", "line": 4,
	"identity": {"principal": "p:aws_iam_role.mwaa", "reference": null}}

test_module_level_sdk_client_is_flagged_with_the_identity if {
	results := module_level_cloud_calls.deny with input as {"airflow": {"module_calls": [call("aws_sdk")]}}
	some r in results
	r.line == 4
	contains(r.msg, "p:aws_iam_role.mwaa")
}

test_hook_is_flagged if {
	count(module_level_cloud_calls.deny) == 1 with input as {"airflow": {"module_calls": [call("hook")]}}
}

test_variable_get_is_not_flagged if {
	count(module_level_cloud_calls.deny) == 0 with input as {"airflow": {"module_calls": [call("variable")]}}
}

test_no_module_calls_passes if {
	count(module_level_cloud_calls.deny) == 0 with input as {"airflow": {"tasks": []}}
}

test_kubernetes_model_objects_are_not_flagged if {
	resources := object.union(call("kubernetes"), {"call": "kubernetes.client.models.V1ResourceRequirements"})
	count(module_level_cloud_calls.deny) == 0 with input as {"airflow": {"module_calls": [resources]}}
}
