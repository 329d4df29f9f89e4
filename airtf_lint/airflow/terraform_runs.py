"""Terraform run from a DAG: found in BashOperator / @task.bash commands, pod and container commands with a
Terraform image, and subprocess calls in task code. Each invocation becomes a fact with its subcommand, the flags
that matter (auto-approve, lock, state, plan file, destroy), its working directory, and the root module in the
repository that working directory most likely is."""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import Any

from airtf_lint.redaction import SECRET_NAME

TOOLS = ("terraform", "tofu")
# Environment variables that carry credentials to Terraform and its providers.
CREDENTIAL_ENV = re.compile(r"^(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN|GOOGLE_CREDENTIALS|"
                            r"GOOGLE_OAUTH_ACCESS_TOKEN|ARM_CLIENT_SECRET|ARM_ACCESS_KEY|TFE_TOKEN|TF_TOKEN_\w+|"
                            r"VAULT_TOKEN|GITHUB_TOKEN|TF_VAR_\w*(PASSWORD|SECRET|TOKEN|KEY)\w*)$", re.I)

_SEPARATORS = re.compile(r"&&|\|\||;|\n|\|")
_GLOBAL_FLAG = re.compile(r"^-chdir=(.+)$")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")


def _segments(command: str) -> list[list[str]]:
    out = []
    for part in _SEPARATORS.split(command):
        try:
            words = shlex.split(part, posix=True)
        except ValueError:
            words = part.split()
        if words:
            out.append(words)
    return out


def parse_command(command: Any) -> list[dict[str, Any]]:
    """Every terraform invocation in a shell command string, or an argv list."""
    if isinstance(command, list):
        segments = [[str(w) for w in command]] if all(isinstance(w, (str, int)) for w in command) else []
    elif isinstance(command, str):
        segments = _segments(command)
    else:
        return []
    runs, cwd, shell_env = [], None, set()
    for words in segments:
        if words[0] == "cd" and len(words) > 1:
            cwd = words[1]
            continue
        if words[0] == "export":
            shell_env.update(_credential_assignments(words[1:]))
            continue
        # `NAME=value terraform ...`: assignments before the command set its environment.
        leading = 0
        while leading < len(words) and _ENV_ASSIGNMENT.match(words[leading]):
            leading += 1
        inline_env = _credential_assignments(words[:leading])
        words = words[leading:]
        if not words or posixpath.basename(words[0]) not in TOOLS:
            shell_env.update(inline_env if not words else ())
            continue
        chdir, rest = None, words[1:]
        while rest and rest[0].startswith("-"):
            match = _GLOBAL_FLAG.match(rest[0])
            chdir = match.group(1) if match else chdir
            rest = rest[1:]
        if not rest:
            continue
        subcommand, args = rest[0], rest[1:]
        flags = {a.split("=", 1)[0].lstrip("-"): (a.split("=", 1)[1] if "=" in a else True)
                 for a in args if a.startswith("-")}
        positional = _positionals(args)
        runs.append({
            "tool": posixpath.basename(words[0]), "subcommand": subcommand, "args": _masked(args),
            "literal_secret_vars": _literal_secrets(args, "-var"),
            "literal_secret_backend_config": _literal_secrets(args, "-backend-config"),
            "literal_credential_shell": sorted(shell_env | set(inline_env)),
            "auto_approve": flags.get("auto-approve") in (True, "true"),
            "lock_disabled": flags.get("lock") == "false",
            "state_path": flags.get("state") if isinstance(flags.get("state"), str) else None,
            "plan_file": positional[0] if subcommand == "apply" and positional else None,
            "destroy": subcommand == "destroy" or (subcommand in ("apply", "plan") and "destroy" in flags),
            "directory": chdir or cwd,
        })
    return runs


# Flags whose value may follow as a separate argument (`-var name=value`, `-target addr`).
_FLAGS_WITH_VALUE = frozenset({"-var", "-var-file", "-target", "-replace", "-out", "-state", "-state-out",
                               "-backend-config", "-lock-timeout", "-parallelism"})


def _positionals(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _FLAGS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _assignments(args: list[str], flag: str) -> list[str]:
    """The name=value of each use of a flag (as `-var name=value` or `-var=name=value`)."""
    out = []
    for position, arg in enumerate(args):
        if arg == flag and position + 1 < len(args) and "=" in args[position + 1]:
            out.append(args[position + 1])
        elif arg.startswith(flag + "=") and "=" in arg[len(flag) + 1:]:
            out.append(arg[len(flag) + 1:])
    return out


def _literal_secrets(args: list[str], flag: str) -> list[str]:
    """Names given a secret-looking literal through a flag (`-var db_password=...`, `-backend-config
    secret_key=...`); never the values."""
    pairs = [a.split("=", 1) for a in _assignments(args, flag)]
    return [name for name, value in pairs if SECRET_NAME.search(name) and _is_literal(value)]


def _credential_assignments(words: list[str]) -> list[str]:
    """Names of credential variables a shell sets to literal values (`export AWS_SECRET_ACCESS_KEY=...`)."""
    pairs = [w.split("=", 1) for w in words if _ENV_ASSIGNMENT.match(w)]
    return [name for name, value in pairs if CREDENTIAL_ENV.match(name) and _is_literal(value)]


def _is_literal(value: str) -> bool:
    return bool(value) and "{{" not in value and not value.startswith("$")


def _masked(args: list[str]) -> list[str]:
    """Arguments as facts, with any secret-looking name=value (alone or after `-flag=`) masked: facts never carry
    secrets."""
    out = []
    for arg in args:
        flag, assignment = "", arg
        if arg.startswith("-") and arg.count("=") >= 2:
            flag, _, assignment = arg.partition("=")
            flag += "="
        name, equals, _ = assignment.partition("=")
        out.append(f"{flag}{name}=***" if equals and SECRET_NAME.search(name) else arg)
    return out


# The environment argument of BashOperator (env), KubernetesPodOperator (env_vars) and DockerOperator (environment).
ENV_ARGUMENTS = ("env", "env_vars", "environment")


def literal_credential_env(task: dict[str, Any]) -> list[str]:
    """Names of credential variables a task sets to literal values in its environment argument (never the values)."""
    names: set[str] = set()
    for argument in ENV_ARGUMENTS:
        env = task["arguments"].get(argument)
        if env is None or env["kind"] != "literal" or not isinstance(env["value"], dict):
            continue
        names.update(str(k) for k, v in env["value"].items() if CREDENTIAL_ENV.match(str(k)) and isinstance(v, str)
                     and _is_literal(v))
    return sorted(names)


def match_root(directory: Any, roots: list[str]) -> str | None:
    """The root module folder whose trailing path components best match a deployment path: /opt/infra/prod
    matches repo folder infra/prod (at least the last component must match; the longest match wins)."""
    if not isinstance(directory, str) or not directory or "{{" in directory:
        return None
    wanted = [p for p in directory.strip("/").split("/") if p not in ("", ".")]
    best, best_length = None, 0
    for root in roots:
        parts = [p for p in root.split("/") if p not in ("", ".")]
        length = 0
        while length < min(len(parts), len(wanted)) and parts[-1 - length] == wanted[-1 - length]:
            length += 1
        if length > best_length:
            best, best_length = root, length
    return best


def terraform_runs(task: dict[str, Any], commands: list[dict[str, Any]], roots: list[str]) -> list[dict[str, Any]]:
    sources: list[tuple[str, Any, int]] = []
    arguments = task["arguments"]
    for name in ("bash_command", "command"):
        if name in arguments:
            sources.append(("bash" if name == "bash_command" else "container", arguments[name]["value"],
                            arguments[name]["line"]))
    image = str(arguments.get("image", {}).get("value") or "")
    if task["runs_in"] == "pod" and any(tool in image for tool in TOOLS):
        argv = (arguments.get("cmds", {}).get("value") or []) + (arguments.get("arguments", {}).get("value") or [])
        sources.append(("pod", argv if isinstance(argv, list) else [], arguments.get("cmds", {}).get("line",
                                                                                                     task["line"])))
    sources += [("code", c["value"], c["line"]) for c in commands]
    runs = []
    credential_env = literal_credential_env(task)
    cwd = arguments.get("cwd", {}).get("value")
    for via, command, line in sources:
        for run in parse_command(command):
            directory = run["directory"] or (cwd if isinstance(cwd, str) else None)
            runs.append({**run, "directory": directory, "root": match_root(directory, roots), "via": via,
                         "literal_credential_env": credential_env, "path": task["path"], "line": line})
    return runs
