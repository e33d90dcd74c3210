"""Charts: palette, browser (Plotly figures for pages), svg (drawn for PDFs)."""
