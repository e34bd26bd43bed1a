"""Experiments: data, model recipe and metrics of each task."""
