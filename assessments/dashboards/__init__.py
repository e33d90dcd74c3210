"""Results pages: urls, views, pages (what each page shows), heatmap."""
