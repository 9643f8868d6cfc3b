import sys

from refractor.cli import main

sys.exit(main())
