# METADATA
# title: Password inside a connection URI
# description: |
#   A URI of the form `scheme://user:password@host` with a literal password: an `AIRFLOW_CONN_*` value,
#   a `conn_uri`, a SQLAlchemy URL, a JDBC or Snowflake URL in code, Terraform or a connection file; or a
#   connection string's or URL query's password (`jdbc:...?user=app&password=...`, ODBC `;PWD=...;`).
#   The password travels with every copy of the string (logs, UI, exports). Passwords that are templates
#   (`{{ ... }}`, `${...}`), environment references, placeholders or the user name repeated (the
#   `airflow:airflow` of a local docker-compose) are not reported.
# custom:
#   id: ATF-SECRET-003
#   severity: high
#   category: secret
#   remediation: Rotate the password, then keep the connection in a secrets backend (Airflow's secrets backend, Secrets Manager, Secret Manager, Vault) and refer to it by conn_id; in Terraform build the URI from a secret-manager data source or a sensitive variable.
package airtf.rules.secret.uri_password

import data.airtf.lib

deny contains result if {
	some secret in input.secrets
	secret.category == "uri"
	msg := sprintf("password (\"%s\") inside a connection URI in %s: keep the connection in a secrets backend", [secret.redacted, lib.file_kind_name(secret.file_kind)])
	result := lib.finding(msg, secret)
}
