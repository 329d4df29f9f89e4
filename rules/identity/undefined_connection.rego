# METADATA
# title: Task uses a connection defined nowhere
# description: |
#   A task (or a hook in its code) names a connection id that no file in the repository, no Terraform-managed
#   secret and no `connections:` entry in the configuration defines, so nobody can say which identity it runs
#   as. For AWS this is worse than an error: a missing connection silently falls back to boto3's default chain,
#   so the task runs as whatever ambient role the worker has. Other providers fail when the task runs.
#   The ids Airflow itself creates with a placeholder definition (`create-default-connections`: aws_default,
#   google_cloud_default, kubernetes_default, emr_default, redshift_default, http_default... the list is
#   `airflow_default_connections` in airtf_lint/data/airflow_connections.yaml) are not flagged: Airflow defines
#   them (the cloud ones empty, meaning the ambient identity).
# custom:
#   id: ATF-IDENTITY-001
#   severity: medium
#   category: identity
#   remediation: Define the connection where airtf-lint can see it (a Terraform-managed secret, a connections file, or `connections:` in .airtf-lint.yaml when it lives in a vault), or fix the connection id.
package airtf.rules.identity.undefined_connection

import data.airtf.lib

default_connections := {"aws_default", "google_cloud_default", "kubernetes_default"}

consequence := {
	"ambient": "Airflow silently falls back to the ambient identity",
	"error": "the task fails when it runs",
	"empty": "Airflow uses an empty connection",
}

deny contains result if {
	some task in input.airflow.tasks
	some identity in task.identities
	identity.connection_defined == false
	not default_connections[identity.conn_id]
	not identity.airflow_default_connection
	usage := identity.evidence[0]
	msg := sprintf("task \"%s.%s\" uses connection \"%s\" (%s), which is defined nowhere: %s", [task.dag_id, task.task_id, identity.conn_id, identity.parameter, consequence[identity.when_missing]])
	result := lib.finding(msg, {"path": usage.path, "line": usage.line})
}
