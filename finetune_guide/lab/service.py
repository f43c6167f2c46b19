"""The Local lab's API: the hosted fine-tuning REST surface, but each job really trains in a worker process."""

from __future__ import annotations

from finetune_guide.lab.engine import TICK_S, LabEngine
from finetune_guide.lab.tenant import LAB_API_KEY, PROVIDER_HEADER, LabTenant

# Names other modules have always imported from here; the engine, tenant and views each have a module.
__all__ = ["LAB_API_KEY", "PROVIDER_HEADER", "TICK_S", "LabService", "LabTenant"]


class LabService(LabEngine):
    """One per machine and lab folder: the engine (store, queue, training and chat processes) and its tenants."""

    def tenant(self, owner: str = LAB_API_KEY) -> LabTenant:
        """The API as one owner sees it; a server files owners under a hash of their key, never the key."""
        return LabTenant(self, owner)
