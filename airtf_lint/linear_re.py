"""Linear-time regular expressions (RE2) for patterns that come from the input or run over it.

Python's `re` backtracks: `(a+)+$` over forty characters never ends. RE2, the engine Terraform itself uses, matches
in time linear in the text. Patterns are compiled with error logging off (RE2 otherwise writes to stderr) and a
bounded program size; a pattern RE2 cannot compile raises `re2.error`.
"""

from __future__ import annotations

from functools import lru_cache

import re2

error = re2.error
MAX_PROGRAM_BYTES = 8 << 20


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_BYTES
    return options


@lru_cache(maxsize=512)
def compile_linear(pattern: str) -> re2._Regexp:
    """A compiled RE2 pattern, cached: the same Terraform pattern is often applied to every instance."""
    return re2.compile(pattern, options=_options())
