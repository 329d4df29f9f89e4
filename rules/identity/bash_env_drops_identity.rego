# METADATA
# title: BashOperator env= replaces the pod identity's environment
# description: |
#   A BashOperator (or @task.bash) sets `env=` without `append_env=True`, so the command runs with only those
#   variables. On workers that get their identity from the environment (IRSA's AWS_ROLE_ARN and
#   AWS_WEB_IDENTITY_TOKEN_FILE, GKE Workload Identity, EKS Pod Identity), the identity is silently lost and the
#   CLI falls back to the node's role. Such workers are recognised from `environment.runtime` (eks, gke, aks),
#   Terraform that binds cloud identities to Kubernetes service accounts, or Helm values annotating the workers'
#   service account.
# custom:
#   id: ATF-IDENTITY-005
#   severity: medium
#   category: identity
#   remediation: Pass append_env=True so env= adds to the worker's environment instead of replacing it.
package airtf.rules.identity.bash_env_drops_identity

import data.airtf.lib

deny contains result if {
	pod_identity_workers
	some task in input.airflow.tasks
	task.class == "BashOperator"
	task.arguments.env
	not appends(task)
	msg := sprintf("task \"%s.%s\" sets env= without append_env=True: the worker's IRSA / Workload Identity variables are dropped", [task.dag_id, task.task_id])
	result := lib.finding(msg, {"path": task.path, "line": task.arguments.env.line})
}

appends(task) if task.arguments.append_env.value == true

# Workers take their identity from the environment: declared so, or the Terraform binds cloud roles to pods.
pod_identity_workers if input.airflow.environment.runtime in {"eks", "gke", "aks"}

pod_identity_workers if {
	some principal in input.terraform.principals
	principal.cloud == "kubernetes"
	bound(principal)
}

pod_identity_workers if count(input.terraform.kubernetes.pod_identity_associations) > 0

pod_identity_workers if {
	some account in input.airflow.worker_accounts
	account.component == "workers"
	some annotation in {"eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account"}
	account.annotations[annotation]
}

bound(principal) if principal.irsa_role != null

bound(principal) if principal.gcp_service_account != null
