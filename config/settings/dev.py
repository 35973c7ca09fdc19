"""Local development and the `make run` demo: SQLite unless DATABASE_URL is set."""

import os

from .base import *

DEBUG = os.environ.get("DEBUG", "0") == "1"
