"""`curator process`: detect faces or subjects, crop, score quality, drop duplicates.

Split like img2dataset: `stage` reads the parent manifest and drives a pool of `worker`s (one
source image each: decode, `detect`, `crop`, `quality` scores, hashes), folds their results
through the `cache` and the thresholds, groups duplicates and writes the new version.
(Stage packages keep this file empty of imports: `curator.config` imports their config modules.)
"""
