# METADATA
# title: Data or credential reads on every resource
# description: |
#   An AWS Allow statement lets the identity read data or secrets on `Resource: "*"` with no condition:
#   s3:GetObject on every bucket, secretsmanager:GetSecretValue and ssm:GetParameter* on every secret and
#   parameter, kms:Decrypt with every key, database snapshots (Cloudsplaining's DataExfiltration class), or
#   obtain credentials (sts:GetSessionToken, iam:CreateAccessKey, ecr:GetAuthorizationToken...: policy_sentry's
#   credentials-exposure list). A task that only needs one bucket or one secret can then read them all.
# custom:
#   id: ATF-PRIVILEGE-004
#   severity: high
#   category: privilege
#   remediation: Name the buckets, secrets, parameters and keys the tasks read (ARNs, or prefixes such as arn:aws:s3:::bucket/prefix/*) instead of "*".
package airtf.rules.privilege.exfiltration

import data.airtf.lib

candidate(s) if {
	s.effect == "Allow"
	s.access.resource_star
	not s.access.conditioned
	not s.access.all_actions
	is_null(s.access.admin_policy)
}

deny contains result if {
	some s in input.terraform.statements
	candidate(s)
	s.access.exfiltration.count > 0
	msg := sprintf("%s may read %v on every resource (\"*\"); %s", [s.principal, s.access.exfiltration.actions, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}

deny contains result if {
	some s in input.terraform.statements
	candidate(s)
	s.access.exfiltration.count == 0
	s.access.credentials_exposure.count > 0
	msg := sprintf("%s may obtain credentials with %v on every resource (\"*\"); %s", [s.principal, s.access.credentials_exposure.actions, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}
