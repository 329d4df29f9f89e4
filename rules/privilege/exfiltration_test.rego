package airtf.rules.privilege.exfiltration_test

import data.airtf.rules.privilege.exfiltration

model(star, exfiltration, credentials) := {"terraform": {"statements": [{"principal": "p", "effect": "Allow", "path": "iam.tf", "line": 2, "access": {
	"resource_star": star, "conditioned": false, "all_actions": false, "admin_policy": null,
	"exfiltration": {"count": count(exfiltration), "actions": exfiltration},
	"credentials_exposure": {"count": count(credentials), "actions": credentials},
}}]}, "airflow": {}}

test_secret_reads_on_every_resource_are_flagged if {
	results := exfiltration.deny with input as model(true, ["secretsmanager:GetSecretValue"], [])
	some r in results
	contains(r.msg, "secretsmanager:GetSecretValue")
}

test_credentials_on_every_resource_are_flagged if {
	count(exfiltration.deny) == 1 with input as model(true, [], ["sts:GetSessionToken"])
}

test_named_resources_pass if {
	count(exfiltration.deny) == 0 with input as model(false, ["s3:GetObject"], [])
}
