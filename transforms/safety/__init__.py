"""Safety and place sources (korean-public-data.md §1-§4)."""
