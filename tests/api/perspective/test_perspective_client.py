"""The unmodified `perspective-api-client` npm package against a real `commentmod serve`.

The package's URL is Google's, hard-coded; tests/perspective_client/preload.js redirects
the package's own axios to this server, without touching the package.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote_plus

from moderation.scorers.registry import LoadedScorer
from tests.support.servers import clean_env, commentmod, serving

CLIENT = Path(__file__).resolve().parents[2] / "perspective_client"


def node_modules() -> None:
    """Install the locked client once (CI runs `npm ci` beforehand)."""
    if not (CLIENT / "node_modules" / "perspective-api-client").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed for this test (node 20 and npm)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT, check=True, timeout=300)


def test_perspective_api_client_gets_our_scores(
    tmp_path: Path, linear_scorer: LoadedScorer
) -> None:
    node_modules()
    env = clean_env(COMMENTMOD_SCORER="linear")
    key = commentmod(tmp_path, env, "apikey", "create", "--name", "npm-client")
    texts = ["What a helpful, well written piece.", "shut up you stupid moron"]
    with serving(tmp_path, env) as server:
        result = subprocess.run(
            ["node", "-r", "./preload.js", "analyze.js"],
            cwd=CLIENT,
            env={**env, "PERSPECTIVE_BASE_URL": f"{server.base}/v1alpha1"},
            input=json.dumps({"key": key, "texts": texts, "attributes": ["toxicity"]}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    expected = asyncio.run(linear_scorer.scorer.score(texts))
    got = [r["attributeScores"]["TOXICITY"]["summaryScore"]["value"] for r in answer["results"]]
    assert got == [s["toxicity"] for s in expected]
    assert got[0] < 0.5 < got[1]
    assert all(r["languages"] == ["en"] for r in answer["results"])
    # The client reads our error's message where it reads Google's.
    assert answer["error"] == {
        "name": "ResponseError",
        "message": "API key not valid. Please pass a valid API key.",
        "status": 403,
    }
    # Neither key reaches any log line, however the server happens to encode the path;
    # the analyze requests were logged (else the check would prove nothing).
    lines = [line for p in tmp_path.glob("serve-*.log") for line in p.read_text().splitlines()]
    assert sum("comments:analyze" in decoded(line) for line in lines) >= 2
    for secret in (key, "wrong-key"):
        assert [line for line in lines if secret.lower() in decoded(line)] == []


def decoded(line: str) -> str:
    """The line with every percent- or plus-encoding undone (repeatedly, for double
    encoding), lower-cased: a key shows in it whatever encoding a log used."""
    for _ in range(3):
        line = unquote_plus(line)
    return line.lower()
