"""Commerce sources (korean-public-data.md §5-§6)."""
