"""The Genk3600 benchmark harness: `make bench` or `python -m bench --help`."""
