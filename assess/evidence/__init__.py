"""Evidence files and links, checked by content, served only within scope."""
