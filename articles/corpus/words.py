"""The word model: English words drawn with their real frequencies.

Words come from the wordfreq package (its data ships inside the wheel, so this works offline).
Sampling by real frequency makes the synthetic archive behave like a real one for search: a
handful of words appear in most documents, a long tail appears in a few, so rare, mid-frequency
and common queries hit result sets of realistic sizes. A small diplomatic vocabulary is boosted
so that the text reads like the archive's subject and domain queries ("sanctions", "treaty")
find many rows.
"""

from __future__ import annotations

import functools
import itertools
import re

VOCABULARY_SIZE = 30_000


def split_words(text: str) -> tuple[str, ...]:
    """A word list written as one readable string."""
    return tuple(text.split())


# Words the synthetic press writes about far more than general English does.
DOMAIN_WORDS = frozenset(
    split_words(
        "security guarantees treaty sanctions missile missiles negotiations talks proposal "
        "proposals alliance enlargement deployment troops border ceasefire diplomacy diplomatic "
        "ministry minister delegation summit agreement agreements escalation verification "
        "inspections arms control strategic stability nuclear exercises deterrence sovereignty "
        "dialogue consultations memorandum ultimatum concessions de-escalation withdrawal "
        "commitments obligations reciprocity transparency hotline envoy ambassador"
    )
)
DOMAIN_BOOST = 25

# General-web frequency lists carry words no news wire prints; leave them out of the prose.
EXCLUDED = frozenset(
    split_words(
        "fuck fucking fucked shit bitch ass porn sex sexy dick pussy cock cunt nigga nigger "
        "whore slut damn hell lol lmao omg wtf xxx gay rape"
    )
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


@functools.cache
def vocabulary(size: int = VOCABULARY_SIZE) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The ``size`` commonest plain English words and their cumulative sampling weights."""
    try:
        import wordfreq
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "generate_corpus needs the wordfreq package: pip install -e '.[bench]'"
        ) from error

    words, weights = [], []
    for word in wordfreq.iter_wordlist("en"):
        if not _WORD.fullmatch(word) or word in EXCLUDED or len(word) < 2 and word != "a":
            continue
        frequency = wordfreq.word_frequency(word, "en")
        if word in DOMAIN_WORDS:
            frequency *= DOMAIN_BOOST
        words.append(word)
        weights.append(frequency)
        if len(words) == size:
            break
    return tuple(words), tuple(itertools.accumulate(weights))


class Prose:
    """Draws words and sentences from the vocabulary with one seeded random generator."""

    def __init__(self, rng):
        self.rng = rng
        self.words, self.cum_weights = vocabulary()

    def draw(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def clause(self, count: int) -> str:
        """Lower-case words without final punctuation: the inside of a quotation."""
        return " ".join(self.draw(count))

    def sentence(self, count: int) -> str:
        text = self.clause(count)
        return text[:1].upper() + text[1:] + "."

    def sentences(self, total_words: int) -> str:
        """About ``total_words`` words as sentences of 8 to 24 words."""
        parts = []
        while total_words > 0:
            count = min(total_words, self.rng.randint(8, 24))
            parts.append(self.sentence(max(count, 3)))
            total_words -= count
        return " ".join(parts)
