"""The files a codebook is exported to, by suffix. No imports: the command line names them
in ``--help`` at start-up."""

__all__ = ["EXPORT_FORMATS"]

EXPORT_FORMATS = {".xlsx": "Excel workbook", ".md": "Markdown", ".qdc": "REFI-QDA codebook",
                  ".yaml": "chatcode codebook YAML", ".yml": "chatcode codebook YAML"}
