"""`commentmod evaluate FILE`: a site's own labelled comments, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli.main import cli
from tests.support.learned import needs_learned

pytestmark = needs_learned

CIVIL = [
    "Thanks for the clear report on the harbour works.",
    "Could the paper follow up on the library opening hours?",
    "My Sikh neighbours organised the street party this year.",
    "The council's parking plan is badly thought out.",
    "Great photos of the marathon, well done to every runner.",
    "I disagree with the editor, but the piece is fair.",
]
TOXIC = [
    "You are a complete moron and everyone here knows it.",
    "Shut your mouth, you worthless idiot.",
    "I will find you and hurt you.",
    "Refugees are vermin and should be thrown out.",
]


def _env(models: Path) -> dict[str, str]:
    return {"COMMENTMOD_SCORER": "learned", "COMMENTMOD_MODELS_DIR": str(models)}


def _table(output: str) -> dict[str, list[str]]:
    return {line.split("\t")[0]: line.split("\t") for line in output.splitlines() if "\t" in line}


def test_evaluate_a_csv_file_prints_figures_per_label_and_draws_the_curves(
    learned_models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mine.csv"
    lines = ["text,label,insult"]
    lines += [f'"{t}",0,0' for t in CIVIL] + [f'"{t}",toxic,' for t in TOXIC]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(path)], env=_env(learned_models))
    assert result.exit_code == 0, result.output
    row = _table(result.output)["toxicity"]
    # label, examples, positives, threshold, roc_auc, precision, recall, hold_rate, published
    assert row[1:4] == [str(len(CIVIL) + len(TOXIC)), str(len(TOXIC)), "0.8"]
    assert float(row[4]) >= 0.9
    assert float(row[8]) >= 5 / 6  # civil comments published
    assert "calibration" in result.output and "confusion" in result.output
    # The scorer does not serve insult: said, not silently dropped.
    assert "not reported by this scorer: insult" in result.output
    png = tmp_path / "mine.csv.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_json_lines_of_a_named_version_and_refuse_bad_files(
    learned_models: Path, tmp_path: Path
) -> None:
    from moderation.learning.store import ModelStore

    version = ModelStore(learned_models).active()
    assert version is not None
    path = tmp_path / "mine.jsonl"
    rows = [{"text": t, "label": 0} for t in CIVIL] + [{"text": t, "label": 1} for t in TOXIC]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    png = tmp_path / "curves.png"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["evaluate", str(path), "--version", version, "--png", str(png)],
        env=_env(learned_models),
    )
    assert result.exit_code == 0, result.output
    assert f"learned@{version} on {len(rows)} comments" in result.output
    assert png.is_file()

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": 0}\n{"text": "x", "label": "maybe"}\n')
    refused = runner.invoke(cli, ["evaluate", str(bad)], env=_env(learned_models))
    assert refused.exit_code != 0 and "BAD_LABEL" in refused.output and ":2" in refused.output
    unknown = runner.invoke(
        cli, ["evaluate", str(path), "--version", "v9999-20200101T000000"], env=_env(learned_models)
    )
    assert unknown.exit_code != 0 and "no model version" in unknown.output
