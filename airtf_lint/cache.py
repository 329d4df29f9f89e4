"""The fact cache: one file's facts, keyed by what decides them, kept in the user's cache folder between runs.

The key is a hash of the file's bytes, its path as shown (facts carry locations), its kind and the tool's version.
Entries are pickles read back through an unpickler that accepts only the fact classes and plain containers, so an
entry someone tampered with can at worst be wrong about one file, never run code; an entry that fails to load is
deleted and rebuilt. Writes go to a temporary file renamed into place (atomic, safe under concurrent runs), and the
folder is kept under a size bound by dropping the least recently used entries.

Facts that depend on more than the file's bytes (a DAG that reads a sibling config file) are not cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from airtf_lint import __version__
from airtf_lint.facts import FileFacts, SourceFile

CACHE_ENV = "AIRTF_LINT_CACHE_DIR"
MAX_CACHE_BYTES = 256 * 1024 * 1024
_FORMAT = "facts-v1"
# Modules whose classes a cache entry may contain: the facts and the expression IR, nothing that runs code.
_ALLOWED_MODULES = frozenset({"airtf_lint.facts", "airtf_lint.terraform.ir", "pathlib"})
_ALLOWED_BUILTINS = frozenset({"list", "dict", "tuple", "set", "frozenset", "str", "bytes", "int", "float", "bool",
                               "NoneType", "complex"})


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The installed code and data, by name, size and modification time: an editable install or a patched one must
    never read facts an older parser wrote under the same version number (one stat per module, once a run)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in path.parts:
            info = path.stat()
            digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def default_directory() -> Path:
    """$AIRTF_LINT_CACHE_DIR, else the user's cache folder ($XDG_CACHE_HOME or ~/.cache) / airtf-lint."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "airtf-lint"


class _FactsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type:
        if module in _ALLOWED_MODULES or (module == "builtins" and name in _ALLOWED_BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")


def cacheable(facts: FileFacts) -> bool:
    return not (facts.dag is not None and getattr(facts.dag, "config_reads", None))


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    written: int = 0
    rejected: int = 0  # entries that failed to load: deleted, rebuilt


class FactCache:
    def __init__(self, directory: Path, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.directory = directory / _FORMAT
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._usable = True

    @staticmethod
    def key(source: SourceFile, data: bytes) -> str:
        digest = hashlib.sha256()
        for part in (_FORMAT, __version__, code_digest(), str(source.kind), source.path):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str, source: SourceFile) -> FileFacts | None:
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                facts = _FactsUnpickler(io.BufferedReader(handle)).load()
        except OSError:  # no entry, or no usable cache folder
            self.stats.misses += 1
            return None
        except Exception:  # noqa: BLE001 - a damaged or foreign entry is never trusted: drop it and rebuild
            self.stats.rejected += 1
            self.stats.misses += 1
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if not isinstance(facts, FileFacts) or facts.source.path != source.path or facts.source.kind != source.kind:
            self.stats.rejected += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        # The absolute path is where the file is now (a REV tree, a moved checkout), not where it was cached.
        facts.source = source
        try:
            os.utime(path)  # recently used: kept by the size bound
        except OSError:
            pass
        return facts

    def put(self, key: str, facts: FileFacts) -> None:
        if not self._usable or not cacheable(facts):
            return
        try:
            data = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # facts that cannot be pickled are parsed again next time
        self._write(self._path(key), data)

    def _write(self, path: Path, data: bytes) -> None:
        """Atomically: a temporary file in the same folder, renamed into place. A read-only or full cache folder
        costs time, never the run: the cache turns itself off."""
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
            self.stats.written += 1
        except OSError:
            self._usable = False
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    # --- small JSON documents: what a whole run of an unchanged tree concluded (--diff's compared side) ----------

    def get_document(self, kind: str, key: str) -> Any:
        try:
            return json.loads((self.directory / kind / f"{key}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def put_document(self, kind: str, key: str, document: Any) -> None:
        if self._usable:
            self._write(self.directory / kind / f"{key}.json", json.dumps(document).encode("utf-8"))

    def prune(self) -> None:
        """Keep the folder under max_bytes, dropping the least recently used entries first."""
        if not self.stats.written:
            return
        entries = []
        total = 0
        try:
            for folder in self.directory.iterdir():
                for entry in os.scandir(folder):
                    info = entry.stat()
                    entries.append((info.st_mtime, info.st_size, entry.path))
                    total += info.st_size
        except OSError:
            return
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass
