"""Data protection: subject (access and erasure), retention."""
