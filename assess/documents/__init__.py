"""Official documents (公文): results circulars, rectification notices and score sheets.

The rendering core here is pure (no Flask, no database): build a context from
:mod:`assess.documents.contexts`, then call :func:`assess.documents.render.render_pdf`.
Formatting rules for document numbers, dates and headings live in
:mod:`assess.documents.official`. Import the submodules directly; this package file stays
empty so importing the package never loads WeasyPrint.
"""
