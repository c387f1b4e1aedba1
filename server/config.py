"""Server settings, from the command line and `CODADESK_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TWIKEY_BASE_URL = "https://api.twikey.com"


@dataclass(frozen=True)
class Settings:
    """What a server process needs to know; secrets are kept out of its repr."""

    database_url: str = "sqlite:///codadesk.db"
    smtp_url: str | None = field(default=None, repr=False)
    """`smtp://[user:password@]host:port[?starttls=true]`; None writes `.eml` files to `outbox_dir`."""
    outbox_dir: Path = Path("outbox")
    mail_from: str = "CodaDesk <mandates@codadesk.invalid>"
    twikey_api_key: str | None = field(default=None, repr=False)
    twikey_base_url: str = DEFAULT_TWIKEY_BASE_URL
    twikey_template_id: str | None = None
    search_total_cap: int = 1000
    """`total` stops counting here while typing: an exact count of a frequent term costs 20-90 ms."""
    max_body_bytes: int = 1024 * 1024
    resend_limit_per_hour: int = 5

    @property
    def twikey_configured(self) -> bool:
        return bool(self.twikey_api_key)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment; explicit keyword arguments win."""
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("CODADESK_DATABASE_URL", cls.database_url),
            "smtp_url": env.get("CODADESK_SMTP_URL") or None,
            "outbox_dir": Path(env.get("CODADESK_OUTBOX_DIR", "outbox")),
            "mail_from": env.get("CODADESK_MAIL_FROM", cls.mail_from),
            "twikey_api_key": env.get("CODADESK_TWIKEY_API_KEY") or None,
            "twikey_base_url": env.get("CODADESK_TWIKEY_BASE_URL", DEFAULT_TWIKEY_BASE_URL),
            "twikey_template_id": env.get("CODADESK_TWIKEY_TEMPLATE_ID") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
