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
