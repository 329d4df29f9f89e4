# METADATA
# title: DAG runs Terraform against local state
# description: |
#   A task runs Terraform with `-state=` (a local state file), or in a working directory whose root module in this
#   repository has no backend or `backend "local"`. The state then lives on the worker or pod that happened to
#   run the task: the next run or a retry on another worker starts from nothing.
# custom:
#   id: ATF-WORKFLOW-003
#   severity: high
#   category: workflow
#   remediation: Give the root module a remote backend with locking and drop -state=; pass backend settings with -backend-config if they differ per environment.
package airtf.rules.workflow.local_state

import data.airtf.lib

deny contains result if {
	some item in lib.terraform_runs
	is_string(item.run.state_path)
	msg := sprintf("task \"%s\" runs terraform %s with a local state file (-state=%s)", [lib.task_name(item.task), item.run.subcommand, item.run.state_path])
	result := lib.finding(msg, item.run)
}

deny contains result if {
	some item in lib.terraform_runs
	item.run.subcommand in {"apply", "plan", "destroy", "import", "refresh"}
	some root in input.terraform.roots
	root.dir == item.run.root
	local(root)
	msg := sprintf("task \"%s\" runs terraform %s in %s, whose root module %s keeps its state locally", [lib.task_name(item.task), item.run.subcommand, item.run.directory, root.dir])
	result := lib.finding(msg, item.run)
}

local(root) if root.backend == null

local(root) if root.backend.type == "local"
