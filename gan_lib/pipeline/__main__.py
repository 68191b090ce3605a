"""``python -m gan_lib.pipeline``."""

import sys

from gan_lib.pipeline.cli import main

sys.exit(main())
