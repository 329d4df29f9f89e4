"""`airtf-lint graph --format json`: the graph itself (nodes, edges, attached findings), sorted, for other tools."""

from __future__ import annotations

import json
from typing import TextIO

from airtf_lint.graph import Graph


def write_graph_json(graph: Graph, stream: TextIO) -> None:
    json.dump(graph.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
