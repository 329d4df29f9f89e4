# Helpers shared by the built-in rules and available to custom rules as data.airtf.lib.
package airtf.lib

# finding builds a deny result: the message plus the location fields of `at`,
# which can be any model object that carries path/line (a resource, a root, a backend...).
finding(message, at) := object.union(
	{"msg": message},
	object.filter(at, {"path", "line", "column", "end_line", "end_column"}),
)

# Every Terraform invocation a task runs, with its task.
terraform_runs contains {"task": task, "run": run} if {
	some task in input.airflow.tasks
	some run in task.terraform_runs
}

task_name(task) := sprintf("%s.%s", [task.dag_id, task.task_id])

# The Airflow tasks (dag_id.task_id) that run as a principal.
tasks_of(principal) := object.get(object.get(input.airflow, "tasks_by_principal", {}), principal, [])

# How a finding about a principal's grant reads its reach: the tasks that would use the privilege.
reach(principal) := sprintf("used by %d Airflow tasks (e.g. \"%s\")", [count(tasks_of(principal)), tasks_of(principal)[0]]) if {
	count(tasks_of(principal)) > 0
} else := "used by no Airflow task in this repository"

# A privilege an Airflow task can use is worse than the same privilege on an identity no task runs as.
reach_severity(principal, used, unused) := used if {
	count(tasks_of(principal)) > 0
} else := unused

# A finding graded by the rule: lib.finding plus its own severity.
graded(message, at, severity) := object.union(finding(message, at), {"severity": severity})

# How a file kind reads in a message.
file_kind_names := {
	"dag": "DAG code",
	"python": "Python code",
	"terraform": "Terraform",
	"tfvars": "a tfvars file",
	"tfbackend": "a backend config file",
	"connections": "a connection file",
	"plan": "a plan file",
	"state": "a state file",
}

file_kind_name(kind) := object.get(file_kind_names, kind, kind)
