"""`curator import`: local files and folders into the object store and a new manifest.

Split like img2dataset: `reader` lists files, `worker` reads/hashes/decodes/stores one file
in a worker process, `run` folds the results into a manifest version.
(Stage packages keep this file empty of imports: `curator.config` imports their config modules.)
"""
