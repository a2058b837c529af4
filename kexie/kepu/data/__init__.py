"""Data shipped with 数字科普 (word lists read by code, not stored as rows)."""
