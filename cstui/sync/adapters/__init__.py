"""CRM adapters. Import the base contract from here; concrete adapters load on demand."""

from .base import (
    JSON,
    AdapterContext,
    Capability,
    CRMAdapter,
    Option,
    Outcome,
    Outgoing,
    PullPage,
    RemoteRecord,
)

__all__ = [
    "JSON",
    "AdapterContext",
    "CRMAdapter",
    "Capability",
    "Option",
    "Outcome",
    "Outgoing",
    "PullPage",
    "RemoteRecord",
]
