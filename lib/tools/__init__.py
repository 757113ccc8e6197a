"""The logic behind the small tools in tools/ and daemons/daemon-util."""
