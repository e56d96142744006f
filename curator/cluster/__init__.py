"""`curator cluster`: embeddings, pseudo-class clusters, outliers, embedding near-duplicates, zero-shot flags."""
