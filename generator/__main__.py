import sys

from generator.launch import main

sys.exit(main())
