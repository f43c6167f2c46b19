"""`python -m finetune_guide` runs the command-line tool."""

import sys

from finetune_guide.cli import main

sys.exit(main())
