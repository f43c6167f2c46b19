"""Fine-Tuning Guide: learn when and how to fine-tune a language model, and do it for real."""

__version__ = "0.1.0"
