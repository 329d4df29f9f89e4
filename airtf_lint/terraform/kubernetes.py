"""Kubernetes service accounts defined in Terraform, and the cloud identities they are bound to:
IRSA (`eks.amazonaws.com/role-arn`), GKE Workload Identity (`iam.gke.io/gcp-service-account`) and EKS Pod
Identity associations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airtf_lint.terraform.aws_iam import AwsIamExtractor
from airtf_lint.terraform.gcp_iam import GcpIamExtractor
from airtf_lint.terraform.resources import ResourceView

SERVICE_ACCOUNT_TYPES = ("kubernetes_service_account", "kubernetes_service_account_v1")
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"


def _metadata(view: ResourceView) -> dict[str, Any]:
    metadata = view.values.get("metadata")
    return metadata[0] if isinstance(metadata, list) and metadata and isinstance(metadata[0], dict) else {}


def extract_kubernetes(views: Iterable[ResourceView], aws: AwsIamExtractor,
                       gcp: GcpIamExtractor) -> dict[str, Any]:
    views = list(views)
    principals = []
    for view in views:
        if view.type not in SERVICE_ACCOUNT_TYPES or view.mode != "managed":
            continue
        metadata = _metadata(view)
        annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
        role_arn = annotations.get(IRSA_ANNOTATION)
        gsa = annotations.get(WORKLOAD_IDENTITY_ANNOTATION)
        role = aws.link(view, "metadata", "aws_iam_role", role_arn) if role_arn is not None else None
        account = gcp.account_for(view, "metadata", gsa) if gsa is not None else None
        principals.append({
            "id": view.id, "cloud": "kubernetes", "kind": "service_account", "type": view.type,
            "address": view.address, "name": metadata.get("name") if isinstance(metadata.get("name"), str) else None,
            "namespace": metadata.get("namespace", "default"), "root": view.group,
            "source": view.source,
            "irsa_role_arn": role_arn if isinstance(role_arn, str) else None, "irsa_role": role.id if role else None,
            "gcp_service_account_value": gsa, "gcp_service_account": account.id if account else None,
            **view.location.to_dict(),
        })
    associations = []
    for view in views:
        if view.type == "aws_eks_pod_identity_association":
            role = aws.link(view, "role_arn", "aws_iam_role")
            associations.append({
                "address": view.address, "cluster_name": view.values.get("cluster_name"),
                "namespace": view.values.get("namespace"), "service_account": view.values.get("service_account"),
                "role": role.id if role else None, "role_arn": view.values.get("role_arn"),
                **view.location.to_dict(),
            })
    return {"principals": principals, "pod_identity_associations": associations}
