"""The PR report: rendering (jinja2 templates, tabulate tables), markdown escaping, truncation, charts."""
