"""Configuration read from the environment.

Production refuses to start without a SECRET_KEY; development (`make run`) generates and keeps one in
``instance/secret_key`` so that sessions survive restarts without a shared default secret.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the config dict from environment variables (see README, "Configuration")."""
    env = os.environ
    production = env.get("ASSESS_ENV", "development") == "production"
    secret = (overrides or {}).get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set when ASSESS_ENV=production")
        secret = _instance_secret(instance_path)
    db_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'assess.sqlite3'}"
    storage = env.get("STORAGE_DIR") or str(instance_path / "storage")
    return {
        "ASSESS_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_DIR": storage,
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND", "local"),
        "S3_BUCKET": env.get("S3_BUCKET"),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL"),
        "S3_PREFIX": env.get("S3_PREFIX", ""),
        "S3_REGION": env.get("S3_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        "MAX_UPLOAD_MB": int(env.get("MAX_UPLOAD_MB", "20")),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        # A session ends this long after its log-in, however busy (assess/auth/sessions.py) ...
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(env.get("SESSION_HOURS", "8"))),
        # ... or after this many minutes without a request.
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Failed log-ins (assess/auth/routes.py): per address and account, per account from any address (a
        # guess spread over many addresses), per address over any account (one address trying many accounts).
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT", "50 per hour"),
        "LOGIN_ADDRESS_RATE_LIMIT": env.get("LOGIN_ADDRESS_RATE_LIMIT", "60 per minute"),
        "SET_PASSWORD_LINK_HOURS": int(env.get("SET_PASSWORD_LINK_HOURS", "72")),
        # Rate-limit counters: memory:// counts in each worker process on its own; redis://… shares them between
        # every worker of every server. Keys start with the prefix, so installations may share one Redis. Short
        # socket time-outs: a Redis that is down or unreachable costs a request at most about a second before
        # the limiter falls back to counting in the process's memory (the fallback below) and logs it; it
        # goes back to Redis by itself once Redis answers again. Log-ins keep working when Redis is down:
        # degraded (each process counts alone), neither closed (nobody could log in) nor open (no limit).
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": env.get("RATELIMIT_KEY_PREFIX", "assess"),
                                      "socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "REDIS_URL": env.get("REDIS_URL"),
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Notification e-mail (assess/notify/delivery.py): smtp://user:pass@host:port[?starttls=1] or smtps://…;
        # unset: e-mails are written to MAIL_DIR as .eml files (development).
        "SMTP_URL": env.get("SMTP_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        "MAIL_DIR": env.get("MAIL_DIR") or str(instance_path / "mail"),
        "NOTIFY_MAX_ATTEMPTS": int(env.get("NOTIFY_MAX_ATTEMPTS", "8")),
        # A reviewer who belongs, or belonged within this many days, to a department may not review it.
        "REVIEW_CONFLICT_DAYS": int(env.get("REVIEW_CONFLICT_DAYS", "365")),
    }
