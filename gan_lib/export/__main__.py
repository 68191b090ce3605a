"""``python -m gan_lib.export``: see :mod:`gan_lib.export.cli`."""

from gan_lib.export.cli import main

raise SystemExit(main())
