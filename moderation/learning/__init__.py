"""The `learned` scorer's training side: the sentence encoder, the per-label heads,
the seed data set, the evaluation and the store of model versions.

Plain inputs (texts, labels, weights) in, arrays and files out: nothing here knows
about the database or HTTP. numpy, scikit-learn and sentence-transformers come with
the `learned` extra and are imported only when used.
"""
