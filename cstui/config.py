"""User configuration: files in the config directory override the shipped defaults.

A broken user file never stops cstui: its error (file, line and key) is reported and the
defaults stay in force, so a typo in ``health.toml`` cannot lock a CSM out of their book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cstui.domain.health import (
    HealthConfig,
    HealthConfigError,
    default_health_config,
    parse_health_config,
)
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
        except HealthConfigError as exc:
            settings.errors.append(f"{exc} (the default health model is used instead)")
        except (OSError, UnicodeDecodeError) as exc:
            settings.errors.append(f"{path}: cannot be read ({exc}); defaults are used.")
    return settings
