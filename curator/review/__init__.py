"""Human review in the FiftyOne App: a manifest becomes a FiftyOne dataset, tags become a new version.

Modules: `config` ([review] section), `database` (the MongoDB FiftyOne talks to), `fields`
(manifest item -> sample fields), `media` (extension-bearing links to store objects),
`dataset` (build/update the dataset and its saved views), `decisions` (tags -> item changes),
`sync` (dataset tags -> new manifest version), `app` (serve the App and wait).
"""
