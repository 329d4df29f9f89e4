# METADATA
# title: DAG file makes cloud or credential calls at module level
# description: |
#   Code at the top level of a DAG file (a boto3 or google-cloud client, a hook, a connection lookup, a Kubernetes
#   client) runs in the DAG processor every time the file is parsed, every 30 seconds or so, not when a task runs.
#   It runs with the scheduler's (DAG processor's) identity, not the task's: that identity then needs the
#   permissions, credentials are fetched at every parse, and a slow or failing call slows or breaks the parsing
#   of every DAG. Variable.get at module level is left to other linters (ruff AIR003).
# custom:
#   id: ATF-IDENTITY-008
#   severity: low
#   category: identity
#   remediation: Move the call into the task that needs it (a @task function, a python_callable, or the operator's execute), or use a Jinja template ({{ conn.x }}, {{ var.value.x }}) that is rendered at run time.
package airtf.rules.identity.module_level_cloud_calls

import data.airtf.lib

flagged := {
	"aws_sdk": "an AWS SDK client",
	"gcp_sdk": "a Google Cloud client",
	"azure_sdk": "an Azure SDK client",
	"hook": "a hook",
	"connection": "a connection lookup",
	"kubernetes": "a Kubernetes client",
}

identity_text(call) := sprintf(" as %s", [call.identity.principal]) if {
	is_string(call.identity.principal)
} else := sprintf(" as %s", [call.identity.reference]) if {
	is_string(call.identity.reference)
} else := " (as the scheduler's identity)"

# Kubernetes model objects (V1ResourceRequirements, V1Pod...) are data, not API calls.
model_object(call) if startswith(call.call, "kubernetes.client.models.")

model_object(call) if regex.match(`(^|\.)V1[A-Z]\w*$`, call.call)

deny contains result if {
	some call in input.airflow.module_calls
	what := flagged[call.category]
	not model_object(call)
	msg := sprintf("%s (%s) is called at module level: it runs in the DAG processor at every parse%s, not in a task", [call.call, what, identity_text(call)])
	result := lib.finding(msg, call)
}
