"""User configuration: files in the config directory override the shipped defaults.

A broken user file never stops cstui: its error (file, line and key) is reported and the
defaults stay in force, so a typo in ``health.toml`` cannot lock a CSM out of their book.
The warnings are worded in the UI language set when the settings are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cstui.domain.health import HealthConfig
from cstui.i18n import t
from cstui.paths import config_dir


@dataclass
class Settings:
    """The settings in force. ``health`` is the shipped health model until asked for, then
    parsed once (pydantic): a start that only shows stored scores never pays for it."""

    _health: HealthConfig | None = None
    errors: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    directory: Path | None = None
    """The config folder the settings are exactly the files of (None: set by code), so
    what follows from them can be kept by the files' fingerprint."""

    @property
    def health(self) -> HealthConfig:
        if self._health is None:
            from cstui.domain.health_config import default_health_config

            self._health = default_health_config()
        return self._health

    @health.setter
    def health(self, config: HealthConfig) -> None:
        self._health = config
        self.directory = None


def load_settings(directory: Path | None = None) -> Settings:
    """The settings from ``directory`` (the config folder): a user file is read and checked
    now, so its mistakes are reported at start; the defaults alone are parsed when used."""
    folder = directory or config_dir()
    settings = Settings()
    path = folder / "health.toml"
    if path.is_file():
        from cstui.domain.config import ConfigError
        from cstui.domain.health_config import parse_health_config

        settings.files.append(path)
        try:
            text = path.read_text(encoding="utf-8")
            settings.health = parse_health_config(text, str(path), base=settings.health)
        except ConfigError as exc:
            settings.errors.append(t("config.kept.health", error=exc))
        except (OSError, UnicodeDecodeError) as exc:
            settings.errors.append(t("config.kept.unreadable", path=path, detail=exc))
    settings.directory = folder
    return settings
