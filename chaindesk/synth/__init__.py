"""Synthetic city- and province-scale data for benchmarks and load tests (`chaindesk synth`, `chaindesk bench`)."""
