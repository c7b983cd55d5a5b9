"""Run one document's examples, in order, against a real `commentmod serve`.

The server and the examples run in a fresh directory that looks like a clone
(the repository's files linked in, this checkout's `.venv`, no `var/`), as after
`make run`: `commentmod serve --demo`. The shell examples run in one bash
(`set -euo pipefail`), so a variable set in one block is there in the next, with
only `localhost:8000` / `127.0.0.1:8000` rewritten to the server's address. GraphQL
blocks become a curl call (or, for a subscription, a WebSocket client) in the same
script. `curl` is a wrapper that records each response's HTTP status and body, so
that every response can be checked, whatever the example prints.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from graphql import OperationDefinitionNode, OperationType, parse

from tests.docs.markdown import ROOT, SHELL, Example
from tests.support.servers import Server, start_server

ROLES = {"commenter", "moderator", "admin"}
# The machine running the suite may be busy: a slow first scoring call must not turn
# an example's comment (or a command's rescore) into a SCORER_UNAVAILABLE hold. Nothing
# else differs from `make run`; the examples' commands get the same setting.
SERVER_ENV = {"COMMENTMOD_SCORER_TIMEOUT": "60"}
SUBSCRIBE = Path(__file__).with_name("subscribe.py")

# Records each response (status line and headers, body) and passes the body on.
CURL_WRAPPER = """#!/usr/bin/env bash
record="$CM_RECORDS/$(printf %04d "$CM_BLOCK")-$(date +%s%N)-$$"
"$CM_REAL_CURL" --dump-header "$record.headers" "$@" | tee "$record.body"
exit "${PIPESTATUS[0]}"
"""


@dataclass
class Response:
    status: int
    body: str

    def error_codes(self) -> set[str]:
        """The error codes the response carries (HTTP status when nothing more precise)."""
        body = self.body
        while body.startswith("HTTP/"):  # `curl -i`: the headers come first
            body = body.partition("\r\n\r\n")[2]
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        codes: set[str] = set()
        if isinstance(data, dict):
            for error in data.get("errors") or []:
                codes.add(str((error.get("extensions") or {}).get("code", "NO_CODE")))
            if isinstance(data.get("error"), dict):
                codes.add(str(data["error"].get("status", "NO_STATUS")))
        ok = 200 <= self.status < 300 or self.status == 304
        if not ok and not codes:
            codes.add(str(self.status))
        return codes


@dataclass
class Outcome:
    example: Example
    ran: bool = False
    output: str = ""
    responses: list[Response] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Why this example does not show what it claims (empty when it does)."""
        if not self.example.runs:
            return []
        if not self.ran:
            return ["did not run to the end"]
        expected = self.example.markers.get("expect-error")
        found: list[str] = []
        seen = False
        for response in self.responses:
            codes = response.error_codes()
            if not codes:
                continue
            if expected in codes:
                seen = True
                continue
            found.append(f"HTTP {response.status}, errors {sorted(codes)}: {response.body[:500]}")
        if expected and not seen:
            found.append(f"no response carried the expected error {expected}")
        return found


@dataclass
class DocumentRun:
    workdir: Path
    server: Server
    outcomes: list[Outcome]
    log: str

    def command(self, *args: str) -> str:
        """Run `.venv/bin/commentmod ARGS` where the examples ran; its stdout."""
        done = subprocess.run(
            [".venv/bin/commentmod", *args],
            cwd=self.workdir,
            env=_environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


def _environment() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMMENTMOD_") and "proxy" not in k.lower()
    }


def make_clone(workdir: Path) -> None:
    """A directory that looks like a fresh clone after `make setup`."""
    workdir.mkdir()
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in {"var", "node_modules"}:
            continue
        (workdir / entry.name).symlink_to(entry)
    (workdir / ".venv").symlink_to(Path(sys.prefix))


def _rewrite(code: str, base: str) -> str:
    host = base.removeprefix("http://")
    return re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", host, code)


def _graphql_command(example: Example, index: int, base: str, files: Path) -> str:
    document = files / f"{index:04d}.json"
    document.write_text(json.dumps({"query": example.code}))
    role = example.markers.get("as", "")
    if role and role not in ROLES:
        raise ValueError(f"{example.where}: unknown role {role!r}")
    token = f'"$CM_TOKEN_{role}"' if role else '""'
    operations = [
        d for d in parse(example.code).definitions if isinstance(d, OperationDefinitionNode)
    ]
    if any(op.operation is OperationType.SUBSCRIPTION for op in operations):
        url = base.replace("http://", "ws://") + "/graphql"
        return f'"$CM_PYTHON" {shlex.quote(str(SUBSCRIBE))} {url} {token} {document}\n'
    auth = f'-H "authorization: Bearer $CM_TOKEN_{role}" ' if role else ""
    return (
        f"curl -s {base}/graphql -H 'content-type: application/json' {auth}"
        f"--data-binary @{document}\n"
    )


def _script(examples: list[Example], base: str, workdir: Path) -> str:
    files = workdir / ".doc-run"
    lines = ["set -euo pipefail\n"]
    roles = {e.markers["as"] for e in examples if e.lang == "graphql" and "as" in e.markers}
    for role in sorted(roles & ROLES):
        lines.append(
            f"CM_TOKEN_{role}=$(.venv/bin/commentmod token --user docs-{role} "
            f"--name 'Docs {role.title()}' --role {role})\n"
        )
    for index, example in enumerate(examples):
        if not example.runs:
            continue
        if example.lang in SHELL:
            code = _rewrite(example.code, base)
        else:
            code = _graphql_command(example, index, base, files)
        lines += [
            f"export CM_BLOCK={index}\n",
            "{\n",
            code if code.endswith("\n") else code + "\n",
            f'}} >"$CM_OUT/{index}.out" 2>&1\n',
            f'touch "$CM_OUT/{index}.done"\n',
        ]
    return "".join(lines)


def run_document(
    examples: list[Example], workdir: Path, models_cache: Path | None = None, timeout: float = 300
) -> DocumentRun:
    """Start the server in a fresh clone-like directory and run the examples in order."""
    make_clone(workdir)
    files = workdir / ".doc-run"
    records, out, bin_dir = files / "records", files / "out", files / "bin"
    for directory in (records, out, bin_dir):
        directory.mkdir(parents=True)
    real_curl = shutil.which("curl")
    assert real_curl, "the examples need curl"
    assert shutil.which("jq"), "the examples need jq (apt-get install jq)"
    wrapper = bin_dir / "curl"
    wrapper.write_text(CURL_WRAPPER)
    wrapper.chmod(0o755)

    # The learned scorer's cold-start version, trained by the first server of the run,
    # is copied into each later clone's var/models (as if `make run` had run there).
    models = workdir / "var" / "models"
    if models_cache is not None and models_cache.exists():
        shutil.copytree(models_cache, models)
    server = start_server(workdir, SERVER_ENV, "--demo", timeout=180)
    if models_cache is not None and not models_cache.exists() and models.exists():
        shutil.copytree(models, models_cache)
    script = files / "examples.sh"
    script.write_text(_script(examples, server.base, workdir))
    env = {
        **_environment(),
        **SERVER_ENV,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "CM_REAL_CURL": real_curl,
        "CM_RECORDS": str(records),
        "CM_OUT": str(out),
        "CM_PYTHON": sys.executable,
        "CM_BLOCK": "-1",
    }
    try:
        done = subprocess.run(
            ["bash", str(script)],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except BaseException:
        server.stop()
        raise
    outcomes = []
    for index, example in enumerate(examples):
        outcome = Outcome(example, ran=(out / f"{index}.done").exists())
        output = out / f"{index}.out"
        outcome.output = output.read_text(errors="replace") if output.exists() else ""
        for headers in sorted(records.glob(f"{index:04d}-*.headers")):
            statuses = re.findall(r"^HTTP/\S+ (\d{3})", headers.read_text(), re.MULTILINE)
            body = headers.with_suffix(".body")
            outcome.responses.append(
                Response(int(statuses[-1]) if statuses else 0, body.read_text(errors="replace"))
            )
        outcomes.append(outcome)
    return DocumentRun(workdir, server, outcomes, done.stdout + done.stderr)
