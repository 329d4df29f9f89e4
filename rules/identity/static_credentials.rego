# METADATA
# title: Connection uses long-lived static credentials
# description: |
#   A connection embeds or points at a long-lived credential (an AWS access key pair, a GCP service-account key
#   file or key JSON) instead of assuming a role or using workload identity. Such keys do not expire, are copied
#   into every place the connection is defined, and make the identity shared by whoever holds them.
# custom:
#   id: ATF-IDENTITY-002
#   severity: high
#   category: identity
#   remediation: Use role assumption instead (role_arn in the AWS connection's extra, or IRSA / EKS Pod Identity / the MWAA execution role), or for GCP an impersonation_chain or Workload Identity; then delete and rotate the key.
package airtf.rules.identity.static_credentials

import data.airtf.lib

deny contains result if {
	some connection in input.airflow.connections
	kind := connection.definition.static_credentials
	is_string(kind)
	is_string(connection.path)
	msg := sprintf("connection \"%s\" uses a long-lived %s%s", [connection.conn_id, kind, used_by(connection.used_by)])
	result := lib.finding(msg, connection)
}

used_by(tasks) := "" if count(tasks) == 0

used_by(tasks) := sprintf(" (used by task \"%s\")", [tasks[0]]) if count(tasks) == 1

used_by(tasks) := sprintf(" (used by \"%s\" and %d more tasks)", [tasks[0], count(tasks) - 1]) if count(tasks) > 1
