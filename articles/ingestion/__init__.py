"""The document pipeline: cleaning, locating and (later) extracting statements from news text.

Each stage is a module of plain functions with no database access, so it can be tested alone
and reused by the fixture builder, the ingest command and the admin upload.
"""
