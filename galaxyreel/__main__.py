import sys

from galaxyreel.cli import main

sys.exit(main())
