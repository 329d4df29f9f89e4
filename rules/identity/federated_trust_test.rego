package airtf.rules.identity.federated_trust_test

import data.airtf.rules.identity.federated_trust

role(statement) := {"terraform": {"principals": [{"id": "r", "address": "aws_iam_role.ci", "trust": [statement]}]}, "airflow": {"tasks_by_principal": {}}}

trust(principal, conditions) := {
	"effect": "Allow", "actions": ["sts:AssumeRoleWithWebIdentity"], "principals": [principal],
	"conditions": conditions, "path": "iam.tf", "line": 7,
}

github := {"type": "Federated", "identifiers": ["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"]}

test_federated_trust_without_subject_is_flagged if {
	results := federated_trust.deny with input as role(trust(github, [{"test": "StringEquals", "variable": "token.actions.githubusercontent.com:aud", "values": ["sts.amazonaws.com"]}]))
	count(results) == 1
	some r in results
	r.line == 7
}

test_federated_trust_with_subject_passes if {
	count(federated_trust.deny) == 0 with input as role(trust(github, [{"test": "StringLike", "variable": "token.actions.githubusercontent.com:sub", "values": ["repo:acme/infra:*"]}]))
}

test_star_without_condition_is_flagged if {
	count(federated_trust.deny) == 1 with input as role(trust({"type": "AWS", "identifiers": ["*"]}, []))
}

test_service_principal_passes if {
	count(federated_trust.deny) == 0 with input as role(trust({"type": "Service", "identifiers": ["airflow.amazonaws.com"]}, []))
}

test_unknown_subject_variable_is_given_the_benefit_of_the_doubt if {
	unknown_sub := {"__unknown__": true, "expr": "\"${replace(var.provider_arn, \"/x/\", \"\")}:sub\""}
	count(federated_trust.deny) == 0 with input as role(trust(github, [{"test": "StringEquals", "variable": unknown_sub, "values": ["system:serviceaccount:a:b"]}]))
}

test_saml_trust_is_not_judged_here if {
	saml := object.union(trust({"type": "Federated", "identifiers": ["arn:aws:iam::1:saml-provider/idp"]}, []), {"actions": ["sts:AssumeRoleWithSAML"]})
	count(federated_trust.deny) == 0 with input as role(saml)
}
