"""Shared ground for every stage: reading spreadsheets and CSV files into tables, and writing
files atomically (nothing is overwritten without ``force``, text in a workbook is never a formula).
"""
