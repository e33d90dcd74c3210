"""Reports and exports: content, pdf, jobs and zips, exports (CSV, XLSX), score_document, api."""
