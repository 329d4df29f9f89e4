"""Reading documents someone else wrote (plans, state, exports): a field of the wrong shape counts as empty.

A plan edited by hand, or by an attacker, may put `true` where a list belongs; walking it must not raise.
"""

from __future__ import annotations

from typing import Any


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
