"""Rectification notices (整改通知) and their tracking to closure (整改台账)."""
