"""A simulated fine-tuning API (files, jobs, events, checkpoints, models, chat) for the app and workshops."""

from finetune_guide.sandbox.service import SANDBOX_API_KEY, SandboxService
from finetune_guide.sandbox.simulation import SCENARIOS, SPEEDS, Scenario, Speed

__all__ = ["SANDBOX_API_KEY", "SCENARIOS", "SPEEDS", "SandboxService", "Scenario", "Speed"]
