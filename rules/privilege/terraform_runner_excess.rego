# METADATA
# title: The identity that runs Terraform holds more than that Terraform needs
# description: |
#   A task runs Terraform (BashOperator or @task.bash command, a pod or container with a Terraform image, a
#   subprocess call) as an identity granted actions the root it runs never needs: the needs come from the root's
#   resources (every managed resource created, read, updated and deleted; data sources read) or, for a saved plan,
#   from the actions its resource_changes take, plus the state backend and the provider's assume_role
#   (airtf_lint/data/terraform_needs.yaml, derived from pike). A plan task needs read access only. Critical when the
#   runner holds administrator access (every action, or roles/owner / roles/editor); stated for other runners only
#   when every resource type of the root is known to the mapping.
# custom:
#   id: ATF-PRIVILEGE-010
#   severity: high
#   category: privilege
#   remediation: Replace the runner's grants with the policy `airtf-lint suggest` writes for this root (split into a read-only plan identity and an apply identity), or run Terraform under an identity made for that root.
package airtf.rules.privilege.terraform_runner_excess

import data.airtf.lib

deny contains result if {
	some runner in object.get(input.privilege, "terraform_runners", [])
	not runner.remote
	runner.excess_known
	runner.excess.count > 0
	msg := sprintf("task \"%s\" runs terraform %s on %s as %s, which %s: %s%s", [runner.task, join("/", runner.subcommands), target(runner), who(runner), excess_text(runner), needs_text(runner), unknown_text(runner)])
	result := lib.graded(msg, runner, severity(runner))
}

severity(runner) := "critical" if runner.admin

else := "high"

target(runner) := sprintf("the plan %s", [runner.plan]) if is_string(runner.plan)

else := sprintf("root %s", [runner.root])

who(runner) := runner.identity.key if is_string(runner.identity.key)

else := "its identity"

excess_text(runner) := "holds administrator access (every action)" if {
	runner.admin
	runner.identity.cloud == "aws"
} else := sprintf("is bound to %s, which grants every permission", [join(", ", runner.excess.roles)]) if {
	runner.admin
} else := sprintf("is granted %d actions beyond what it needs (e.g. %s; services %s)", [runner.excess.count, join(", ", array.slice(runner.excess.actions, 0, 8)), join(", ", runner.excess.services)]) if {
	runner.identity.cloud == "aws"
} else := sprintf("is bound to roles for services the root does not use (%s)", [join(", ", runner.excess.roles)])

needs_text(runner) := sprintf("the %s needs %d %s", [runner.phase, count(runner.needed), noun(runner)])

noun(runner) := "actions" if runner.identity.cloud == "aws"

else := "permissions"

unknown_text(runner) := sprintf(" (plus what %d resource types the mapping does not know need: %s)", [count(runner.unknown_types), join(", ", runner.unknown_types)]) if {
	count(runner.unknown_types) > 0
} else := ""

# concat that always builds a new string: regopy 1.5.2 marshals concat of a one-item array as the quoted item.
join(sep, items) := trim_suffix(concat(sep, array.concat(items, [""])), sep)
