"""Session reports: the content as plain data, then rendered to Markdown, HTML, CSV and JSON."""
