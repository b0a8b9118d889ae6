"""Related papers: the most similar abstracts by TF-IDF cosine similarity.

Similarities are computed a block of rows at a time (a sparse product, then a
dense block of at most ``BLOCK_CELLS`` scores), so memory stays bounded however
many papers there are: no n-by-n matrix is ever built.

Exact scores cost time in the square of the paper count (about 20 minutes at
100,000 papers), so past ``EXACT_LIMIT`` papers the TF-IDF vectors are reduced
by latent semantic analysis and each paper is compared only with the papers of
nearby k-means clusters: seconds instead of minutes, with neighbours that stay
on topic. Small reading lists (the usual case) keep exact scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

BLOCK_CELLS = 4_000_000
"""Most similarity scores held at once (16 MB of float32)."""
EXACT_LIMIT = 5_000
"""Up to this many papers, similarities are exact TF-IDF cosines."""
LSA_DIMENSIONS = 128
"""Above ``EXACT_LIMIT``, papers are compared in a latent space of this many dimensions."""
PROBES = 4
"""Clusters searched per paper in the approximate search."""


def related_papers(texts: Sequence[str], count: int = 5) -> list[tuple[int, ...]]:
    """For each text, the indexes of the ``count`` most similar other texts, best first.

    Equal scores are ordered by index, so the result is reproducible; texts that
    share no term with a text are never listed as related to it.

    BLAS and OpenMP run one thread here: their threads wait for each other by spinning,
    and on a machine with other work their 2 threads on 2 cores took 6-8 s of CPU
    (9-14 s of wall) for 10,000 papers, against 1.5-2 s in one thread.
    """
    with threadpool_limits(limits=1):
        return _related(texts, count)


def _related(texts: Sequence[str], count: int) -> list[tuple[int, ...]]:
    size = len(texts)
    if size == 0:
        return []
    if count <= 0 or size == 1:
        return [() for _ in range(size)]
    # Unigrams only: on the sample, bigrams changed a quarter of the picks without
    # making them more topical, and at 100,000 abstracts their vocabulary (a
    # Python dict of millions of phrases) would cost far more memory than the matrix.
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError as exc:
        if "vocabulary" not in str(exc):
            raise
        # Every text is stop words, digits or punctuation: nothing to compare.
        return [() for _ in range(size)]
    keep = min(count, size - 1)
    if size > EXACT_LIMIT and matrix.shape[1] > LSA_DIMENSIONS:
        return _related_approximate(_latent(matrix), keep)
    transposed = matrix.T.tocsr()
    block = max(1, BLOCK_CELLS // size)
    related: list[tuple[int, ...]] = []
    for start in range(0, size, block):
        stop = min(start + block, size)
        scores = (matrix[start:stop] @ transposed).toarray()
        rows = np.arange(stop - start)
        scores[rows, rows + start] = 0.0  # a paper is not related to itself
        related.extend(_best_in_block(scores, keep))
    return related


def _related_approximate(vectors: NDArray[np.float32], keep: int) -> list[tuple[int, ...]]:
    """Nearest neighbours among papers of nearby clusters only (an inverted-file search).

    Papers are grouped by k-means into about sqrt(n) clusters; each paper is
    compared with the papers of the ``PROBES`` clusters nearest its own, so the
    work grows like n*sqrt(n) instead of n squared.
    """
    from sklearn.cluster import MiniBatchKMeans

    size = vectors.shape[0]
    clusters = max(2, int(np.sqrt(size)))
    kmeans = MiniBatchKMeans(
        n_clusters=clusters, random_state=0, n_init=1, batch_size=4096, max_iter=20
    )
    labels = kmeans.fit_predict(vectors)
    centres = kmeans.cluster_centers_.astype(np.float32)
    nearest = np.argsort(-(centres @ centres.T), axis=1, kind="stable")[:, :PROBES]
    members = [np.flatnonzero(labels == c) for c in range(clusters)]
    related: list[tuple[int, ...]] = [() for _ in range(size)]
    for cluster in range(clusters):
        queries = members[cluster]
        if queries.size == 0:
            continue
        candidates = np.sort(np.concatenate([members[c] for c in nearest[cluster]]))
        scores = vectors[queries] @ vectors[candidates].T
        scores[queries[:, None] == candidates[None, :]] = 0.0  # not related to itself
        if candidates.size <= keep:
            scores = np.pad(scores, ((0, 0), (0, keep + 1 - candidates.size)))
            candidates = np.concatenate([candidates, np.full(keep + 1 - candidates.size, -1)])
        for query, best in zip(queries, _best_in_block(scores, keep)):
            related[query] = tuple(int(candidates[i]) for i in best if candidates[i] >= 0)
    return related


def _latent(matrix: Any) -> NDArray[np.float32]:
    """Unit vectors of latent semantic analysis (truncated SVD) of the TF-IDF matrix.

    Exact sparse products grow with the square of the paper count and took about
    20 minutes at 100,000 papers; dense products of 128-dimensional vectors take
    seconds, and LSA neighbours are the classic approximation of TF-IDF ones.
    """
    from sklearn.decomposition import TruncatedSVD

    svd = TruncatedSVD(
        n_components=LSA_DIMENSIONS, algorithm="randomized", n_iter=2, random_state=0
    )
    vectors = np.asarray(svd.fit_transform(matrix), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.ascontiguousarray(vectors / norms)


def _best_in_block(scores: NDArray[np.float32], keep: int) -> list[tuple[int, ...]]:
    """Per row, indexes of the ``keep`` highest positive scores, best first.

    ``argpartition`` finds the top scores of every row at once; only a row whose
    cut-off score is shared by more papers than fit (a tie at the boundary) is
    redone exactly, so that the lower indexes win the tie.
    """
    top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
    values = np.take_along_axis(scores, top, axis=1)
    cutoff = values.min(axis=1)
    tied_in_top = (values == cutoff[:, None]).sum(axis=1)
    tied_in_row = (scores == cutoff[:, None]).sum(axis=1)
    order = np.lexsort((top, -values), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    best: list[tuple[int, ...]] = []
    for row in range(scores.shape[0]):
        if cutoff[row] > 0.0 and tied_in_row[row] > tied_in_top[row]:
            best.append(_best_exact(scores[row], keep))
        else:
            best.append(tuple(int(i) for i, v in zip(top[row], values[row]) if v > 0.0))
    return best


def _best_exact(scores: NDArray[np.float32], keep: int) -> tuple[int, ...]:
    """Indexes of the ``keep`` highest positive scores, ties broken by lower index."""
    positive = np.flatnonzero(scores > 0.0)
    order = np.lexsort((positive, -scores[positive]))
    return tuple(int(index) for index in positive[order[:keep]])
