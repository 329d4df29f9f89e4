# METADATA
# title: Connection defined differently in several places
# description: |
#   The same connection id is defined in more than one place (a Terraform-managed secret, an environment
#   variable, a connections file...) with different contents. Which one a task gets depends on the deployment's
#   secrets backend order (custom backend, then environment variables, then the metastore), so the identity a
#   task runs as can change from one environment to the next without any code change.
# custom:
#   id: ATF-IDENTITY-007
#   severity: low
#   category: identity
#   remediation: Keep each connection id defined in one place, or make every definition identical.
package airtf.rules.identity.conflicting_connection

import data.airtf.lib

deny contains result if {
	some connection in input.airflow.connections
	connection.definitions_differ
	is_string(connection.path)
	msg := sprintf("connection \"%s\" is also defined elsewhere with different contents (%s here)", [connection.conn_id, connection.source])
	result := lib.finding(msg, connection)
}
