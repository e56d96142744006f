"""Human review in the FiftyOne App: a manifest becomes a FiftyOne dataset, tags become a new version.

Modules: `config` ([review] section), `database` (the MongoDB FiftyOne talks to), `fields`
(manifest item -> sample fields), `media` (extension-bearing links to store objects),
`dataset` (build/update the dataset and its saved views), `decisions` (tags -> item changes),
`sync` (dataset tags -> new manifest version), `guard` (who may use the App, which files it
sends), `server` (FiftyOne's server behind the guard, a child process), `app` (start that server and
wait), `session` (one review start to finish, shared by `curator review` and `curator run`).
"""
