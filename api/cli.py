"""The `commentmod` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy.exc import OperationalError

from api.auth import Identity, Role, issue_token
from api.settings import Settings
from models.database import Database, redact
from models.migrate import current_revision, head_revision, upgrade

if TYPE_CHECKING:
    from api.services.learn import LearnOutcome as LearnOutcomeT
    from moderation.learning.store import ModelStore as ModelStoreT

T = TypeVar("T")


def _settings(database_url: str | None = None) -> Settings:
    overrides = {"database_url": database_url} if database_url else {}
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.ClickException(f"invalid COMMENTMOD_* setting:\n{exc}") from None


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@click.group()
def cli() -> None:
    """commentmod: comment moderation for news sites."""


def main() -> None:
    try:
        cli()
    except OperationalError as exc:
        # A database that cannot be reached is an operator's problem, not a crash.
        click.echo(f"Error: cannot use the database: {exc.orig or exc}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
@click.option("--demo", is_flag=True, help="Load sample articles if the database has none.")
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=256),
    help="Server processes on the one port (more than 1 needs COMMENTMOD_REDIS_URL).",
)
def serve(
    host: str, port: int, database_url: str | None, demo: bool, no_migrate: bool, workers: int
) -> None:
    """Run the GraphQL server."""
    import uvicorn

    from api.app import create_app
    from api.runtime import Runtime
    from moderation.scorers.registry import ScorerConfigError, load_scorer

    settings = _settings(database_url)
    _logging(settings)
    if workers > 1 and not settings.redis_url:
        # Each worker would hear only its own events: live updates and the response
        # cache's invalidation would miss what the other workers write.
        raise click.ClickException(
            f"--workers {workers} needs COMMENTMOD_REDIS_URL: the workers share live "
            "events and the response cache through Redis (or run one worker per port)"
        )
    try:
        # Before migrations and the socket: a scorer that cannot load stops startup here.
        loaded = load_scorer(settings.scorer_options())
    except ScorerConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not no_migrate:
        upgrade(settings.database_url)
    if demo:
        asyncio.run(_load_demo(settings))
    options: dict[str, Any] = {}
    if workers > 1:
        # Workers are fresh processes that build the app from the environment; the
        # migrations ran once, here. Each loads its own scorer.
        if database_url:
            os.environ["COMMENTMOD_DATABASE_URL"] = database_url
        del loaded
        app: Any = "api.app:app_from_environment"
        options.update(factory=True, workers=workers)
    else:
        app = create_app(runtime=Runtime(settings, scorer=loaded), migrate=False, freeze_heap=True)
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish (up to the
    # grace period), then runs the lifespan shutdown: acknowledged comments are stored.
    uvicorn.run(
        app,
        **options,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # WebSocket-level keep-alive: a peer that stops answering pings is dropped.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # Clients send small messages (subscribe, complete, pong).
        ws_max_size=1024 * 1024,
    )


async def _load_demo(settings: Settings) -> None:
    from api.demo import ARTICLES
    from api.services.articles import upsert_many
    from models.queries.articles import count_articles

    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            if await count_articles(session) > 0:
                return
        await upsert_many(db, ARTICLES)
        logging.getLogger("commentmod").info("demo: loaded %d sample articles", len(ARTICLES))
    finally:
        await db.dispose()


@cli.command()
@click.option("--user", "user_id", required=True, help="The user id (token subject).")
@click.option("--name", required=True, help="The display name.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role], case_sensitive=False), default="commenter"
)
@click.option(
    "--ttl", default=86400, show_default=True, type=click.IntRange(min=1), help="Seconds."
)
def token(user_id: str, name: str, role: str, ttl: int) -> None:
    """Print a signed token, and nothing else."""
    settings = _settings()
    identity = Identity(user_id=user_id, name=name, role=Role(role.lower()))
    click.echo(
        issue_token(
            settings.resolve_jwt_secret(),
            identity,
            ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )


@cli.command("console-link")
@click.option("--user", "user_id", required=True, help="The moderator's user id.")
@click.option("--name", required=True, help="The display name.")
@click.option(
    "--role",
    type=click.Choice([Role.MODERATOR.value, Role.ADMIN.value], case_sensitive=False),
    default=Role.MODERATOR.value,
    show_default=True,
)
@click.option("--ttl", default=900, show_default=True, type=click.IntRange(min=1), help="Seconds.")
@click.option(
    "--base-url", default="http://127.0.0.1:8000", show_default=True, help="Where serve listens."
)
def console_link(user_id: str, name: str, role: str, ttl: int, base_url: str) -> None:
    """Print a one-time sign-in link to the moderator console.

    The link's token is exchanged for a session when the console opens it, and is
    useless afterwards. It travels in the URL fragment, which browsers never send
    to the server, so it stays out of access logs.
    """
    from api.auth import issue_console_link

    settings = _settings()
    identity = Identity(user_id=user_id, name=name, role=Role(role.lower()))
    link = issue_console_link(
        settings.resolve_jwt_secret(),
        identity,
        ttl,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    click.echo(f"{base_url.rstrip('/')}/console#link={link}")


@cli.command("import-articles")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def import_articles(files: tuple[Path, ...], database_url: str | None) -> None:
    """Upsert articles by slug from JSON Lines or plain-text files.

    A .jsonl file holds one object per line (slug, title, body, url?, language?,
    published_at?); any other file is plain text: the first non-empty line is the
    title, the rest the body, and the slug comes from the file name. Every file is
    checked before anything is written.
    """
    from api.importer import InvalidArticleFile, read_articles
    from api.services.articles import upsert_many

    settings = _settings(database_url)
    try:
        items = [item for path in files for item in read_articles(path)]
    except InvalidArticleFile as exc:
        raise click.ClickException(str(exc)) from None
    slugs = [item.slug for item in items]
    if duplicates := sorted({s for s in slugs if slugs.count(s) > 1}):
        raise click.ClickException(f"the same slug appears twice: {', '.join(duplicates)}")
    upgrade(settings.database_url)

    async def run() -> list[bool]:
        from api.events import create_bus

        db = Database(settings.database_url)
        # With COMMENTMOD_REDIS_URL, running servers hear of the changed articles.
        events = create_bus(settings.redis_url, settings.redis_channel)
        await events.start(listen=False)
        try:
            return [created for _, created in await upsert_many(db, items, events=events)]
        finally:
            await events.stop()
            await db.dispose()

    created = asyncio.run(run())
    click.echo(
        f"imported {len(items)} article(s): {sum(created)} created, "
        f"{len(created) - sum(created)} updated"
    )


@cli.command()
@click.option(
    "--status", type=click.Choice(["PENDING", "APPROVED", "REJECTED"], case_sensitive=False)
)
@click.option("--article", "article_slug", help="Only this article's comments (by slug).")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def rescore(status: str | None, article_slug: str | None, database_url: str | None) -> None:
    """Re-run moderation with the current scorer and settings.

    Only comments no moderator has decided on are moved.
    """
    from api.errors import AppError
    from api.runtime import Runtime
    from api.services.rescore import count_candidates
    from api.services.rescore import rescore as run_rescore

    settings = _settings(database_url)
    _logging(settings)

    async def run() -> str:
        runtime = Runtime(settings)
        await runtime.start(migrate=True)
        try:
            total = await count_candidates(runtime, status and status.upper(), article_slug)
            with click.progressbar(length=total, label="rescoring", file=sys.stderr) as bar:
                result = await run_rescore(
                    runtime,
                    status=status and status.upper(),
                    article_slug=article_slug,
                    progress=bar.update,
                )
        except AppError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            await runtime.stop()
        return (
            f"examined {result.examined} comment(s) with {runtime.scorer.scorer.name}: "
            f"{result.moved} changed status, {result.skipped_conflicts} skipped "
            "(a moderator decided meanwhile)"
        )

    click.echo(asyncio.run(run()))


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
    return ModelStore(_settings(database_url).resolved_models_dir())


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
    from moderation.learning.store import UnknownVersion

    store = _models_store(database_url)
    try:
        store.activate(version, "activated by hand (commentmod models activate)")
    except UnknownVersion as exc:
        raise click.ClickException(str(exc)) from None
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
    settings = _settings(database_url)
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
    """Retrain the learned scorer on the seed set plus this site's moderator decisions.

    The new version is activated only if it is not worse than the active one on any
    validation set (seed eval, hard cases, the real sets' held-back splits, the newest
    20% of the site's decisions); otherwise it is kept inactive and the reasons are printed.
    """
    from api.runtime import Runtime
    from api.services.learn import learn as run_learn
    from moderation.learning.encoder import available

    if not available():
        raise click.ClickException("install the extra first: pip install '.[learned]'")
    settings = _settings(database_url)
    _logging(settings)
    upgrade(settings.database_url)

    async def run() -> LearnOutcomeT:
        runtime = Runtime(settings)
        try:
            return await run_learn(runtime, force=force)
        finally:
            await runtime.db.dispose()

    outcome = asyncio.run(run())
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


@cli.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", help="A learned model version (default: the active scorer).")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Curves' PNG.")
def evaluate(file: Path, version: str | None, png: Path | None) -> None:
    """Precision, recall, hold rate, AUC, calibration and confusion per label on FILE
    (CSV or JSON Lines: text, label[, labels...]); curves in FILE.png unless --png."""
    from api.services.evaluate import evaluate_file
    from moderation.learning.labelled import LabelledFileError
    from moderation.learning.quality import table

    settings = _settings()
    with click.progressbar(length=0, label="scoring", file=sys.stderr) as bar:

        def started(total: int) -> None:
            bar.length = total

        try:
            outcome = evaluate_file(
                settings,
                file,
                version=version,
                png=png or file.with_name(file.name + ".png"),
                progress=bar.update,
                started=started,
            )
        except LabelledFileError as exc:
            raise click.ClickException(f"{exc.code}: {exc}") from None
        except LookupError as exc:  # an unknown --version
            raise click.ClickException(str(exc)) from None
    click.echo(f"# {outcome.scorer} on {outcome.rows} comments")
    click.echo(table(outcome.results))
    if outcome.unscored:
        click.echo(f"# not reported by this scorer: {', '.join(outcome.unscored)}")
    click.echo(f"# curves: {outcome.png}")


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL."""
    from api.graphql.schema import schema

    click.echo(schema.as_str())


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_upgrade(database_url: str | None) -> None:
    """Apply pending migrations."""
    settings = _settings(database_url)
    upgrade(settings.database_url)
    click.echo(f"{redact(settings.database_url)} is at revision {head_revision()}")


@db.command("current")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_current(database_url: str | None) -> None:
    """Print the database's revision and the newest one available."""
    settings = _settings(database_url)
    click.echo(f"current: {current_revision(settings.database_url)}\nhead: {head_revision()}")


@cli.group()
def apikey() -> None:
    """Keys for the Perspective-protocol endpoint (/v1alpha1/comments:analyze)."""


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    upgrade(settings.database_url)

    async def run() -> T:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


@apikey.command("create")
@click.option("--name", required=True, help="Who or what uses the key (unique).")
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    help="Requests per second; default COMMENTMOD_PERSPECTIVE_RATE_LIMIT.",
)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_create(name: str, rate_limit: int | None, database_url: str | None) -> None:
    """Create a key and print it, once: only its hash is stored."""
    from models.queries import apikeys

    name = name.strip()
    if not name or len(name) > 200:
        raise click.ClickException("--name must have 1 to 200 characters")

    async def work(db: Database) -> str | None:
        async with db.write() as session:
            if await apikeys.find_key(session, name) is not None:
                return None
            _row, key = await apikeys.create_key(session, name, rate_limit)
            return key

    key = _with_db(_settings(database_url), work)
    if key is None:
        raise click.ClickException(f"an API key named {name!r} exists already")
    click.echo(key)


@apikey.command("list")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_list(database_url: str | None) -> None:
    """List keys (never the keys themselves)."""
    from models.queries import apikeys
    from models.tables import ApiKey

    async def work(db: Database) -> Sequence[ApiKey]:
        async with db.read() as session:
            return await apikeys.list_keys(session)

    def when(moment: datetime | None) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"

    click.echo("id\tname\tprefix\trate_limit\tcreated\tlast_used\trevoked")
    for row in _with_db(_settings(database_url), work):
        click.echo(
            f"{row.id}\t{row.name}\t{row.prefix}…\t{row.rate_limit or 'default'}\t"
            f"{when(row.created_at)}\t{when(row.last_used_at)}\t{when(row.revoked_at)}"
        )


@apikey.command("revoke")
@click.argument("name_or_id")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_revoke(name_or_id: str, database_url: str | None) -> None:
    """Revoke a key by name or id; it stops working at once, in every process."""
    from models.queries import apikeys

    async def work(db: Database) -> str | None:
        async with db.write() as session:
            row = await apikeys.find_key(session, name_or_id)
            if row is None:
                return None
            await apikeys.revoke(session, row)
            return row.name

    name = _with_db(_settings(database_url), work)
    if name is None:
        raise click.ClickException(f"no API key named or numbered {name_or_id!r}")
    click.echo(f"revoked {name}")


@cli.group()
def feedback() -> None:
    """Labelled examples from moderators and suggestscore calls."""


EXPORT_FIELDS = (
    "id",
    "created_at",
    "source",
    "label",
    "value",
    "model_score",
    "model",
    "comment_id",
    "moderator_id",
    "client_token",
    "community_id",
    "text",
)


@feedback.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def feedback_export(fmt: str, output: Path | None, database_url: str | None) -> None:
    """Write every example, oldest first, for retraining."""
    import csv
    import json

    from api.runtime import Runtime
    from api.services.feedback import all_examples

    settings = _settings(database_url)
    upgrade(settings.database_url)
    # Written beside the target and renamed at the end: a failed export leaves no half file.
    partial = output.with_name(output.name + ".partial") if output else None
    handle = partial.open("w", newline="", encoding="utf-8") if partial else sys.stdout

    async def run() -> int:
        runtime = Runtime(settings)
        writer = csv.DictWriter(handle, EXPORT_FIELDS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        count = 0
        try:
            async for example in all_examples(runtime):
                row = {name: getattr(example, name) for name in EXPORT_FIELDS}
                row["created_at"] = example.created_at.isoformat()
                if writer:
                    writer.writerow(row)
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        finally:
            await runtime.db.dispose()
        return count

    try:
        count = asyncio.run(run())
    except BaseException:
        if partial:
            handle.close()
            partial.unlink(missing_ok=True)
        raise
    if partial and output:
        handle.close()
        partial.replace(output)
    click.echo(f"exported {count} example(s)", err=True)


@feedback.command("report")
@click.option(
    "--learned",
    is_flag=True,
    help="Re-score the decided comments with the learned scorer's active version.",
)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def feedback_report(learned: bool, database_url: str | None) -> None:
    """Per label: the current hold threshold against moderators' decisions."""
    from api.runtime import Runtime
    from api.services.feedback import LabelReport, threshold_reports

    settings = _settings(database_url)
    upgrade(settings.database_url)

    async def run() -> list[str]:
        runtime = Runtime(settings)
        header: list[str] = []
        try:
            reports: list[LabelReport]
            if learned:
                from api.services.learn import active_version_reports

                try:
                    version, reports = await active_version_reports(runtime)
                except LookupError as exc:
                    raise click.ClickException(str(exc)) from None
                header = [f"# learned@{version}, each decided comment re-scored"]
            else:
                reports = await threshold_reports(runtime)
        finally:
            await runtime.db.dispose()

        def share(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        lines = [
            *header,
            "label\texamples\ttoxic\tthreshold\theld\twrong_holds\tmissed\tprecision\trecall"
            "\tsame_recall_threshold\tsame_recall_held\tsame_recall_wrong_holds",
        ]
        for item in reports:
            r = item.report
            lines.append(
                f"{item.label}\t{r.examples}\t{r.toxic}\t{r.threshold:g}\t{r.held}\t"
                f"{r.wrong_holds}\t{r.missed}\t{share(r.precision)}\t{share(r.recall)}\t"
                f"{share(r.same_recall_threshold)}\t{r.same_recall_held}\t"
                f"{r.same_recall_wrong_holds}"
            )
        if not reports:
            lines.append("(no moderator decisions on scored comments yet)")
        return lines

    click.echo("\n".join(asyncio.run(run())))
