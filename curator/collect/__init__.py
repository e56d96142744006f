"""`curator collect SUBJECT`: scrape art sites through gallery-dl into the store and a new manifest.

Split like img2dataset: `sources/` turn a subject's queries into gallery-dl URLs and map each
site's metadata to provenance (one small class per site, in a registry); `gallerydl` writes the
gallery-dl configuration for one source; `source_run` drives one gallery-dl process and reads its
events; `writer` moves finished downloads into the store and a crash-safe journal; `run`
schedules the sources and folds the journal into a manifest version.
(Stage packages keep this file empty of imports: `curator.config` imports their config modules.)
"""
