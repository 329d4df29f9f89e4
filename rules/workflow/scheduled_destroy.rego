# METADATA
# title: DAG destroys Terraform infrastructure on a schedule
# description: |
#   A task runs `terraform destroy` (or `apply -destroy`) in a DAG that has a schedule, so infrastructure is torn
#   down automatically, by whatever the configuration and state say at run time.
# custom:
#   id: ATF-WORKFLOW-004
#   severity: high
#   category: workflow
#   remediation: Run destroys only by hand or from a manually triggered DAG (schedule=None) with an approval step, and scope them with a reviewed plan.
package airtf.rules.workflow.scheduled_destroy

import data.airtf.lib

unscheduled := {null, "None", "@once"}

deny contains result if {
	some item in lib.terraform_runs
	item.run.destroy
	some dag in input.airflow.dags
	dag.dag_id == item.task.dag_id
	not unscheduled[schedule(dag)]
	msg := sprintf("task \"%s\" destroys infrastructure and its DAG runs on schedule %v", [lib.task_name(item.task), schedule(dag)])
	result := lib.finding(msg, item.run)
}

schedule(dag) := dag.schedule.value if dag.schedule != null

schedule(dag) := null if dag.schedule == null
