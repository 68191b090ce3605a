"""``python -m gan_lib.metrics REAL_DIR FAKE_DIR ...``: see :mod:`gan_lib.evaluation.compare_folders`."""

import sys

from gan_lib.evaluation.compare_folders import main

sys.exit(main())
