"""Every test runs offline, on one torch thread, with a Local lab folder of its own (never the user's cache)."""

from __future__ import annotations

import os
import tempfile

# Set at import, before any test module imports huggingface_hub (it reads these once) or starts a worker
# process (which inherits them).
os.environ.setdefault("FINETUNE_GUIDE_LAB_HOME", tempfile.mkdtemp(prefix="finetune-guide-lab-"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
