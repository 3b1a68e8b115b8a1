"""User configuration: files in the config directory override the shipped defaults.

A broken user file never stops cstui: its error (file, line and key) is reported and the
defaults stay in force, so a typo in ``health.toml`` cannot lock a CSM out of their book.
The warnings are worded in the UI language set when the settings are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cstui.domain.config import ConfigError
from cstui.domain.health import HealthConfig, default_health_config, parse_health_config
from cstui.i18n import t
from cstui.paths import config_dir


@dataclass
class Settings:
    health: HealthConfig
    errors: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def load_settings(directory: Path | None = None) -> Settings:
    folder = directory or config_dir()
    settings = Settings(health=default_health_config())
    path = folder / "health.toml"
    if path.is_file():
        settings.files.append(path)
        try:
            text = path.read_text(encoding="utf-8")
            settings.health = parse_health_config(text, str(path), base=settings.health)
        except ConfigError as exc:
            settings.errors.append(t("config.kept.health", error=exc))
        except (OSError, UnicodeDecodeError) as exc:
            settings.errors.append(t("config.kept.unreadable", path=path, detail=exc))
    return settings
