"""The Local lab: real LoRA fine-tuning of small open models on this machine, in a separate process."""
