"""Sentiment analysis (``lstmlab app sentiment``): is a movie-review sentence positive?

An embedding, a bidirectional LSTM (any variant) and max pooling over time classify sentences
of the Rotten Tomatoes snippets (or of Pang & Lee's movie snippets), measured against the
majority class and a tuned TF-IDF + logistic regression; ``predict`` shows, word by word, how
the model's reading of a sentence changes (``trace``).
"""

from lstmlab.apps.sentiment.cli import group

__all__ = ["group"]
