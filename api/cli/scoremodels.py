"""`commentmod models ...` and `learn`: the scorer's model versions, training and figures."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import click

from api.cli.group import cli, process_config, setup_logging, with_database
from models.migrate import upgrade

if TYPE_CHECKING:
    from api.services.learn import LearnOutcome as LearnOutcomeT
    from moderation.learning.store import ModelStore as ModelStoreT


@cli.group()
def models() -> None:
    """Scoring models."""


@models.command("download")
@click.argument(
    "name",
    type=click.Choice(["original", "unbiased", "multilingual", "original-small", "unbiased-small"]),
)
def models_download(name: str) -> None:
    """Fetch a detoxify model into the local cache (needs a network; serve never downloads)."""
    try:
        from moderation.scorers.detoxify import download
    except ImportError:
        raise click.ClickException("install the extra first: pip install '.[detoxify]'") from None
    try:
        weights = download(name)
    except Exception as exc:
        raise click.ClickException(f"download failed: {exc}") from None
    click.echo(f"checkpoint: {weights.checkpoint}\nconfig: {weights.config_dir}")


def _models_store(database_url: str | None) -> ModelStoreT:
    from moderation.learning.encoder import available
    from moderation.learning.store import ModelStore

    if not available():
        raise click.ClickException("install the extra first: pip install '.[learned]'")
    return ModelStore(process_config(database_url).resolved_models_dir())


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _report_lines(title: str, report: dict[str, Any] | None) -> list[str]:
    if not report:
        return []
    lines = []
    for part, labels in report.items():
        for label, f in (labels or {}).items():
            lines.append(
                f"{title}\t{part}\t{label}\t{f['examples']}\t{f['positives']}\t"
                f"{_figure(f['roc_auc'])}\t{_figure(f['precision'])}\t{_figure(f['recall'])}\t"
                f"{_figure(f['balanced_accuracy'])}"
            )
    return lines


@models.command("list")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def models_list(database_url: str | None) -> None:
    """The learned scorer's model versions, oldest first; * marks the active one."""
    store = _models_store(database_url)
    versions = store.versions()
    click.echo("active\tversion\tcreated\tsite_examples\tseed_toxicity_auc\tdecision")
    for info in versions:
        seed = (info.data.get("report") or {}).get("seed_eval", {}).get("toxicity", {})
        training = info.data.get("training") or {}
        click.echo(
            f"{'*' if info.active else ''}\t{info.id}\t{info.created_at}\t"
            f"{training.get('site_train', 0)}+{training.get('site_holdout', 0)}\t"
            f"{_figure(seed.get('roc_auc'))}\t{info.data.get('decision', '')}"
        )
    if not versions:
        click.echo(f"(no versions in {store.root}: the first use of the learned scorer trains one)")


@models.command("activate")
@click.argument("version")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def models_activate(version: str, database_url: str | None) -> None:
    """Make VERSION the active one (a rollback, or a version the guard kept inactive).

    A running server picks it up within seconds.
    """
    from api.services.audit import record_alone
    from models.database import Database
    from moderation.learning.store import UnknownVersion

    store = _models_store(database_url)
    previous = store.active()
    try:
        store.activate(version, "activated by hand (commentmod models activate)")
    except UnknownVersion as exc:
        raise click.ClickException(str(exc)) from None

    async def work(db: Database) -> None:
        await record_alone(
            db,
            actor_id=None,
            action="model.activate",
            target=f"model:{version}",
            reason="activated by hand (commentmod models activate)",
            details={"previous": previous, "via": "cli"},
        )

    with_database(process_config(database_url), work)
    click.echo(f"active: {version}")


@models.command("evaluate")
@click.argument("version", required=False)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def models_evaluate(version: str | None, database_url: str | None) -> None:
    """A version (default: the active one) and the linear model on the seed eval split."""
    from moderation.learning.encoder import encode_cached, shared_encoder
    from moderation.learning.evaluate import heads_figures, linear_figures, table
    from moderation.learning.examples import seed_split
    from moderation.learning.store import UnknownVersion

    store = _models_store(database_url)
    settings = process_config(database_url)
    chosen = version or store.active()
    if chosen is None:
        raise click.ClickException(f"no active model version in {store.root}; run commentmod learn")
    try:
        heads = store.load(chosen)
    except UnknownVersion as exc:
        raise click.ClickException(str(exc)) from None
    encoder = shared_encoder(settings.scorer_device)
    rows = seed_split("eval")
    vectors = encode_cached(encoder, [e.text for e in rows], store.cache_dir)
    threshold = settings.hold_threshold
    click.echo(
        table(
            [
                (f"learned@{chosen}", heads_figures(heads, rows, vectors, threshold)),
                ("linear", linear_figures(rows, threshold)),
            ]
        )
    )
    click.echo(f"# seed eval split, threshold {threshold:g}")


@cli.command()
@click.option("--force", is_flag=True, help="Activate the new version even if the guard refuses.")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def learn(force: bool, database_url: str | None) -> None:
    """Retrain the scorers on their base data plus this site's moderator decisions.

    The new version is activated only if it is not worse than the active one on any
    validation set (seed eval, hard cases, the real sets' held-back splits, the newest
    20% of the site's decisions); otherwise it is kept inactive and the reasons are
    printed. Decisions on Arabic comments retrain the Arabic scorer instead, under the
    same guard (docs/arabic.md).
    """
    from api.runtime import Runtime
    from api.services.learn import learn as run_learn
    from api.services.learn_languages import learn_arabic
    from moderation.arabic_learning import ArabicLearnResult, summary
    from moderation.learning.encoder import available

    settings = process_config(database_url)
    setup_logging(settings)
    upgrade(settings.database_url)
    english = available()
    if not english and "ar" not in settings.scorer_options().language_scorers:
        raise click.ClickException("install the extra first: pip install '.[learned]'")

    async def run() -> tuple[ArabicLearnResult | None, LearnOutcomeT | None]:
        runtime = Runtime(settings)
        try:
            arabic = await learn_arabic(runtime, force=force)
            return arabic, await run_learn(runtime, force=force) if english else None
        finally:
            await runtime.db.dispose()

    arabic, outcome = asyncio.run(run())
    if arabic is not None:
        click.echo("\n".join(summary(arabic)))
    if outcome is None:
        # Only the Arabic side: the learned (English) scorer's extra is not installed.
        sys.exit(0 if arabic is not None and arabic.activated else 3)
    result = outcome.result
    lines = []
    if outcome.cold_start:
        lines.append(f"cold start: trained and activated {outcome.cold_start}")
    counts = result.counts
    lines.append(
        f"site decisions: {outcome.site_examples} ({counts['site_train']} trained on, "
        f"{counts['site_holdout']} held back)"
    )
    lines.append(f"version: {result.version} ({'active' if result.activated else 'inactive'})")
    lines.append(result.why)
    lines.append("model\tset\tlabel\texamples\tpositives\troc_auc\tprecision\trecall\tbalanced")
    lines += _report_lines("new", result.candidate.to_dict())
    if result.active is not None:
        lines += _report_lines(f"{result.previous}", result.active.to_dict())
    click.echo("\n".join(lines))
    if not result.activated:
        sys.exit(3)
