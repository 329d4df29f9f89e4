# METADATA
# title: Every DAG names its owning team
# description: |
#   Our convention: each DAG's default_args set `owner` to a team, not Airflow's default "airflow", so that
#   on-call knows whom to page. A DAG-side rule: it reads the statically evaluated default_args of each DAG.
# custom:
#   id: ACME-DAG-001
#   severity: low
#   category: workflow
#   remediation: Set owner to the team name in the DAG's default_args.
package acme.dags.owner

import data.airtf.lib

deny contains result if {
	some dag in input.airflow.dags
	not named_owner(dag)
	msg := sprintf("DAG %s has no owning team in default_args", [dag.dag_id])
	result := lib.finding(msg, dag)
}

named_owner(dag) if {
	owner := dag.default_args.owner.value
	is_string(owner)
	owner != "airflow"
}
