"""Extraction of self-assessment figures from departments' texts (pure Python, no Flask).

Public API:
- :func:`assess.extraction.readers.read_text` / :func:`read_rows` — bytes + filename → text / rows
- :func:`assess.extraction.figures.find_figures` — quantities with units in Chinese prose
- :func:`assess.extraction.summary.propose` — figures and passages mapped to rubric indicators
- :func:`assess.extraction.annual_report.parse_report`, :func:`check`, :func:`report_to_figures`
"""

from assess.extraction.errors import ExtractionError

__all__ = ["ExtractionError"]
