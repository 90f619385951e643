"""Benchmarks that print Markdown tables (`make bench`, `make bench-all`); never run as tests."""
