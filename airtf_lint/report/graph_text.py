"""Shared by the graph writers: colours and how long labels are cut."""

from __future__ import annotations

SEVERITY_COLORS = {"critical": "#7f1d1d", "high": "#dc2626", "medium": "#ea580c", "low": "#2563eb",
                   "info": "#6b7280"}
KIND_FILLS = {"dag": "#ede9fe", "task": "#e0f2fe", "connection": "#fef9c3", "runtime": "#e2e8f0",
              "terraform": "#f3f4f6", "principal": "#dcfce7", "grant": "#fce7f3"}
SUBKIND_FILLS = {"static_key": "#fee2e2", "unresolved": "#f5f5f4", "external": "#ecfccb",
                 "undefined": "#fff7ed"}


def fill(node) -> str:  # noqa: ANN001 - a graph Node
    return SUBKIND_FILLS.get(node.subkind, KIND_FILLS.get(node.kind, "#ffffff"))


def cut(text: str, width: int, keep_end: bool = False) -> str:
    """At most `width` characters: the start and an ellipsis, or for a path or address (`keep_end`) an ellipsis
    and the end (`…/terraform/prod`), which is the part that tells two apart."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1):] if keep_end else text[:width - 1] + "…"


def keeps_end(node) -> bool:  # noqa: ANN001
    return node.kind in ("terraform", "grant") or node.kind == "principal" and "/" in node.label \
        and "@" not in node.label


def finding_summary(node) -> str:  # noqa: ANN001
    if not node.findings:
        return ""
    counts: dict[str, int] = {}
    for f in node.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    order = ("critical", "high", "medium", "low", "info")
    return ", ".join(f"{counts[s]} {s}" for s in order if s in counts)
