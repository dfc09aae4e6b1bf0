"""Reports from records: tables, plots, REPORT.md and a self-contained report.html."""
