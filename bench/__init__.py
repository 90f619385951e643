"""Benchmarks that print Markdown tables (`make bench`); never run as tests."""
