"""Welfare statistics published by Seoul (korean-public-data.md §8.1-8.4): KOSIS-style CSVs and the
수급자 동별 현황 XLSX, read into one long frame per source (one row per area × dimension × measure)."""
