"""Release version, kept apart so that setup.py can read it without imports."""

RELEASE_VERSION = "2.1.0"
