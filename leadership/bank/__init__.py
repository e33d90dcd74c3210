"""The question bank: io (CSV in and out), views, urls."""
