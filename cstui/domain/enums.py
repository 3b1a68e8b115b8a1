"""The fixed vocabularies of cstui's records (tiers, stages, roles...) and the store's
table names, without pydantic.

They live apart from :mod:`cstui.domain.models` so that code which only compares or shows
them (the portfolio's rows and filters, its first frame) does not import pydantic and build
every model class at start-up. Import them from here; the models use them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Tier(StrEnum):
    """Touch model: how much human attention an account gets."""

    HIGH = "high"
    MID = "mid"
    TECH = "tech"


class Stage(StrEnum):
    """Lifecycle stage, in the order an account normally walks through them."""

    KICKOFF = "kickoff"
    ONBOARDING = "onboarding"
    ADOPTION = "adoption"
    EXPANSION = "expansion"
    RENEWAL = "renewal"
    ADVOCACY = "advocacy"
    CHURNED = "churned"
    NOT_A_FIT = "not_a_fit"


class ContactRole(StrEnum):
    CHAMPION = "champion"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    DECISION_MAKER = "decision_maker"
    END_USER = "end_user"
    ADMIN = "admin"


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    QBR = "qbr"
    EXEC_REPORT = "exec_report"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TaskSource(StrEnum):
    MANUAL = "manual"
    ONBOARDING = "onboarding"
    CADENCE = "cadence"
    ALERT = "alert"
    VOC = "voc"
    QBR = "qbr"


class OwnerSide(StrEnum):
    CUSTOMER = "customer"
    US = "us"


class Audience(StrEnum):
    """Light success is for end users, deep success for the executives who renew."""

    LIGHT = "light"
    DEEP = "deep"


class ObjectiveStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    MISSED = "missed"


class QBRStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    DELIVERED = "delivered"


class SurveyKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"


class LoopStatus(StrEnum):
    """The voice-of-the-customer loop: listen, analyse, act, tell, monitor."""

    LISTENING = "listening"
    ANALYSING = "analysing"
    ACTING = "acting"
    TOLD = "told"
    MONITORING = "monitoring"


class Forecast(StrEnum):
    """How a renewal is expected to go (the forecast categories of a renewals call)."""

    COMMIT = "commit"
    LIKELY = "likely"
    AT_RISK = "at_risk"
    LOST = "lost"


class Outcome(StrEnum):
    """What actually happened at a renewal."""

    RENEWED = "renewed"
    EXPANDED = "expanded"
    DOWNGRADED = "downgraded"
    CHURNED = "churned"


class Table:
    """The store's table of each kind of record (``Record.table``), nameable without the
    models. Plain text, not an enum: the store takes table names of type ``str`` only."""

    ACCOUNTS: Final = "accounts"
    CONTACTS: Final = "contacts"
    USAGE: Final = "usage"
    ACTIVITIES: Final = "activities"
    TASKS: Final = "tasks"
    ONBOARDING: Final = "onboarding"
    SUCCESS_PLANS: Final = "success_plans"
    QBRS: Final = "qbrs"
    SURVEYS: Final = "surveys"
    REQUESTS: Final = "requests"
    RENEWALS: Final = "renewals"
    ACCOUNT_HISTORY: Final = "account_history"
    ALERTS: Final = "alerts"
