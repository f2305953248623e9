"""Coding passes: Excel coding sheets, the terminal coder, codes tables, disagreements."""
