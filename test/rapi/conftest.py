"""Makes rapitestutils importable for the RAPI tests."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
