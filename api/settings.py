"""Process settings, read from COMMENTMOD_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from models.database import sqlite_path
from moderation.scorers.registry import ScorerOptions


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMENTMOD_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/commentmod.db"
    db_pool_size: int = Field(10, ge=1)
    # Where generated state lives when the database is not a local file.
    data_dir: Path = Path("var")
    jwt_secret: SecretStr | None = None
    hold_threshold: float = Field(0.8, ge=0.0, le=1.0)
    report_threshold: int = Field(1, ge=1)
    max_comment_length: int = Field(5000, ge=1)
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
    # Live updates. Without a Redis URL, events reach this process's subscribers only.
    redis_url: str | None = None
    # Namespaces the pub/sub channel ("<prefix>:events"): processes that share it share events.
    redis_prefix: str = Field("commentmod", min_length=1, max_length=200)
    # Events a subscriber may have waiting before it is cut off as too slow.
    subscriber_queue_size: int = Field(256, ge=1, le=100_000)
    ws_keep_alive_interval: float = Field(15.0, gt=0)
    ws_max_subscriptions: int = Field(20, ge=1, le=1000)
    ws_connection_init_timeout: float = Field(10.0, gt=0)
    # Origins whose pages may open a WebSocket. Tokens travel in connection_init,
    # never in cookies, so a foreign page gains nothing by connecting: any, by default.
    ws_allowed_origins: list[str] = ["*"]

    def scorer_options(self) -> ScorerOptions:
        return ScorerOptions(
            name=self.scorer,
            detoxify_variant=self.detoxify_variant,
            detoxify_checkpoint=self.detoxify_checkpoint,
            detoxify_config_dir=self.detoxify_config_dir,
            device=self.scorer_device,
            quantize=self.quantize,
        )

    @property
    def redis_channel(self) -> str:
        return f"{self.redis_prefix}:events"

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
