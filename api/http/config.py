"""Process configuration (`Config`), read from COMMENTMOD_* environment variables.

Not to be confused with moderation policy (word lists, thresholds, premoderation),
which lives in the database: see api/readcache/policies.py and api/services/policy.py.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from models.database import sqlite_path
from moderation.scorers.registry import ScorerOptions


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMENTMOD_", extra="ignore")

    # Production unless said otherwise: no GraphiQL, introspection or field suggestions
    # for a stranger. `serve --demo` picks development when COMMENTMOD_ENV is not set.
    env: Literal["development", "production"] = "production"
    database_url: str = "sqlite+aiosqlite:///./var/commentmod.db"
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    # Seconds: waiting for a pooled connection, opening one, and one statement.
    db_pool_timeout: float = Field(5.0, gt=0)
    db_connect_timeout: float = Field(5.0, gt=0)
    db_command_timeout: float = Field(30.0, gt=0)
    # Where generated state lives when the database is not a local file.
    data_dir: Path = Path("var")
    jwt_secret: SecretStr | None = None
    hold_threshold: float = Field(0.8, ge=0.0, le=1.0)
    report_threshold: int = Field(1, ge=1)
    max_comment_length: int = Field(5000, ge=1)
    # How long claimComments hands comments to one moderator.
    claim_seconds: int = Field(300, ge=10, le=86400)
    # How long after posting its author may edit a comment (0: never).
    edit_window_seconds: int = Field(300, ge=0, le=30 * 86400)
    # How long a user may appeal a decision (DSA Art. 20: at least six months).
    appeal_window_days: int = Field(183, ge=1, le=3650)
    scorer: str = "auto"
    scorer_timeout: float = Field(2.0, gt=0)
    # Micro-batching: requests arriving within max_wait share one forward pass.
    scorer_max_batch: int = Field(32, ge=1, le=1024)
    scorer_max_wait_ms: float = Field(5.0, ge=0, le=1000)
    scorer_device: str = "cpu"
    detoxify_variant: Literal[
        "original", "unbiased", "multilingual", "original-small", "unbiased-small"
    ] = "original"
    detoxify_checkpoint: Path | None = None
    detoxify_config_dir: Path | None = None
    # Dynamic int8 quantisation of transformer scorers on CPU; changes scores, so off.
    quantize: Literal["int8"] | None = None
    log_level: str = "INFO"
    # "json": one JSON object a line, uvicorn's access log included (docs/operations.md).
    log_format: Literal["text", "json"] = "text"
    # Live updates. Without a Redis URL, events reach this process's subscribers only.
    redis_url: str | None = None
    # Namespaces the pub/sub channel ("<prefix>:events"): processes that share it share events.
    redis_prefix: str = Field("commentmod", min_length=1, max_length=200)
    # Events a subscriber may have waiting before it is cut off as too slow.
    subscriber_queue_size: int = Field(256, ge=1, le=100_000)
    # The public read cache (api/readcache/responsecache.py): "off" executes every query.
    response_cache: Literal["on", "off"] = "on"
    # Seconds an entry may live even without an invalidating event (a safety net).
    response_cache_ttl: float = Field(60.0, gt=0, le=86400)
    # The in-process LRU, in bytes of response bodies.
    response_cache_max_bytes: int = Field(64 * 1024 * 1024, ge=0)
    # GET responses to anonymous readers: Cache-Control max-age and stale-while-revalidate.
    http_max_age: int = Field(5, ge=0, le=86400)
    http_stale_while_revalidate: int = Field(30, ge=0, le=86400)
    # Automatic persisted queries: documents remembered by hash (in-process LRU size;
    # with Redis, also shared there for persisted_query_ttl seconds).
    persisted_queries_max: int = Field(10_000, ge=1)
    persisted_query_ttl: int = Field(7 * 86400, ge=1)
    # ...and bounded in bytes: the in-process store, and one document (a longer one is
    # answered but not remembered).
    persisted_queries_max_bytes: int = Field(16 * 1024 * 1024, ge=0)
    persisted_query_max_bytes: int = Field(64 * 1024, ge=1)
    ws_keep_alive_interval: float = Field(15.0, gt=0)
    ws_max_subscriptions: int = Field(20, ge=1, le=1000)
    ws_connection_init_timeout: float = Field(10.0, gt=0)
    # Origins whose pages may open a WebSocket. Tokens travel in connection_init,
    # never in cookies, so a foreign page gains nothing by connecting: any, by default.
    ws_allowed_origins: list[str] = ["*"]
    # Lifetime of the session token a console sign-in link is exchanged for.
    console_session_seconds: int = Field(8 * 3600, ge=60, le=30 * 86400)
    # Tokens: checked when set, and put into tokens that `commentmod token` issues.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    # Tokens valid for longer than this from now are refused (seconds).
    jwt_max_lifetime: int = Field(30 * 86400, ge=60)
    # Abuse limits (limits' notation: "N per S seconds"; several joined by ";").
    rate_limits: Literal["on", "off"] = "on"
    rate_limit_user: str = "3 per 9 seconds"
    rate_limit_address: str = "60 per minute"
    # Comma-separated addresses or networks of proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""
    # Hold a user's first N comments for a moderator; 0 is off.
    new_commenter_hold: int = Field(0, ge=0)
    # GraphQL request limits.
    max_query_depth: int = Field(20, ge=1)
    max_aliases: int = Field(30, ge=1)
    max_tokens: int = Field(2000, ge=1)
    # The objects a query may return, counted before it runs (api/graphql/cost.py).
    max_query_cost: int = Field(5000, ge=1)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    # Comma-separated origins allowed to call the API from a browser; none by default.
    cors_origins: str = ""
    # COMMENTMOD_SCORER=perspective:<url>: the remote server's key, the attributes asked
    # for (comma-separated), the languages the remote model is trusted with, requests in flight.
    scorer_key: SecretStr | None = None
    scorer_attributes: str = "TOXICITY"
    scorer_languages: str = "en"
    scorer_concurrency: int = Field(16, ge=1, le=1024)
    # Scorers for other languages, next to the main one: comments go to the one that
    # covers their language (comma-separated; "ar": the bundled Arabic scorer; "" none).
    language_scorers: str = "ar"
    # Requests per second per API key on the Perspective-protocol endpoint.
    perspective_rate_limit: int = Field(60, ge=1)
    shutdown_grace_seconds: int = Field(30, ge=1)
    # The learned scorer's model versions; default: `models/` beside the SQLite file, or
    # in COMMENTMOD_DATA_DIR.
    models_dir: Path | None = None
    # serve: retrain the learned scorer every this many seconds (0: never).
    learn_every: float = Field(0, ge=0)
    # Webhooks (api/webhooks/): "off" starts no delivery worker in this process (events
    # still go to the outbox, for a process that has it on).
    webhooks: Literal["on", "off"] = "on"
    # Seconds between looks at the outbox when it had nothing due.
    webhook_poll_interval: float = Field(1.0, gt=0, le=3600)
    # Seconds one POST may take, connecting included.
    webhook_timeout: float = Field(10.0, gt=0, le=300)
    # Seconds a claimed delivery stays with its worker; unacknowledged after that (the
    # process died), it is due again. Longer than webhook_timeout.
    webhook_lease_seconds: float = Field(60.0, gt=0, le=86400)
    # Retries: the n-th waits about backoff_base * 2^(n-1) seconds (jittered, at most
    # backoff_max); after max_attempts the delivery is FAILED.
    webhook_backoff_base: float = Field(1.0, gt=0, le=3600)
    webhook_backoff_max: float = Field(3600.0, gt=0, le=86400)
    webhook_max_attempts: int = Field(15, ge=1, le=100)
    # Deliveries one worker has in flight at once.
    webhook_concurrency: int = Field(16, ge=1, le=1000)
    # Metrics (docs/operations.md): recorded and served only when one of these is set:
    # /metrics on the main port for `Authorization: Bearer <token>`, or a separate port.
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Tracing (OTEL_EXPORTER_OTLP_ENDPOINT): traces started a second in each process,
    # unless OTEL_TRACES_SAMPLER chooses (api/observability/tracing.py).
    traces_per_second: float = Field(1.0, ge=0, le=100_000)

    @property
    def metrics_enabled(self) -> bool:
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        return bool(token) or self.metrics_port is not None

    def scorer_options(self) -> ScorerOptions:
        return ScorerOptions(
            name=self.scorer,
            detoxify_variant=self.detoxify_variant,
            detoxify_checkpoint=self.detoxify_checkpoint,
            detoxify_config_dir=self.detoxify_config_dir,
            device=self.scorer_device,
            quantize=self.quantize,
            key=self.scorer_key.get_secret_value() if self.scorer_key else None,
            attributes=_csv(self.scorer_attributes, str.upper),
            languages=_csv(self.scorer_languages, str.lower),
            concurrency=self.scorer_concurrency,
            timeout=self.scorer_timeout,
            models_dir=self.resolved_models_dir(),
            language_scorers=_csv(self.language_scorers, str.lower),
        )

    def resolved_models_dir(self) -> Path:
        if self.models_dir is not None:
            return self.models_dir
        path = sqlite_path(make_url(self.database_url))
        return (path.parent if path is not None else self.data_dir) / "models"

    @property
    def redis_channel(self) -> str:
        return f"{self.redis_prefix}:events"

    @property
    def rate_limited(self) -> bool:
        return self.rate_limits == "on"

    def proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(p.strip(), strict=False) for p in _items(self.trusted_proxies)]

    def cors_origin_list(self) -> list[str]:
        return _items(self.cors_origins)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in _items(value):
            ip_network(item, strict=False)  # a ValueError names the bad entry
        return value

    @field_validator("rate_limit_user", "rate_limit_address")
    @classmethod
    def _limit(cls, value: str) -> str:
        parse_many(value)  # a ValueError explains the notation
        return value

    @property
    def production(self) -> bool:
        return self.env == "production"

    def secret_file(self) -> Path:
        path = sqlite_path(make_url(self.database_url))
        return (path.parent if path is not None else self.data_dir) / "jwt-secret"

    def resolve_jwt_secret(self) -> str:
        """COMMENTMOD_JWT_SECRET, else a random secret made once and kept beside the
        database (mode 0600), so that `commentmod token` and `serve` agree."""
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        path = self.secret_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _csv(value: str, normalise: Callable[[str], str]) -> tuple[str, ...]:
    return tuple(normalise(part.strip()) for part in value.split(",") if part.strip())
