"""`curator import`: local files and folders into the object store and a new manifest.

Split like img2dataset: `reader` lists files, `worker` reads/hashes/decodes/stores one file
in a worker process, `merge` folds the results into a manifest version.
"""

from curator.ingest.run import ImportResult, import_paths

__all__ = ["ImportResult", "import_paths"]
