"""The category classifier: TF-IDF over words and word pairs, a multinomial logistic regression, explained.

Trained with scikit-learn (`train`, only in the `train-classifier` command and `make eval`); served from plain
numpy arrays (`ServingModel`), so the API never imports scikit-learn and a suggestion costs a dot product over
the handful of features in the text.

**Stored format.** Not a pickle: unpickling runs whatever code the bytes name, so a model row written by
anyone with write access to the table would run code in every API process. The model is an `.npz` archive of
plain arrays (vocabulary, idf, coefficients, intercepts, classes), read with `allow_pickle=False`; and it is
loaded only when its HMAC under the service's secret key matches, i.e. only models this service wrote. The
price: the serving code re-implements the vectoriser's arithmetic (tf → 1 + log tf, times idf, L2 norm) and the
softmax, pinned against scikit-learn's own output by a test; any change of parameters needs a new FORMAT.

**Explanations.** A class's score is the sum of coefficient times feature value over the features present in the
text, plus its intercept; the reasons shown are the words with the largest positive share — words the caller
typed, never words of the tickets the model learnt from.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = "genk3600-tfidf-logreg-v1"
MAX_FEATURES = 30_000
MIN_DF_FROM = 1_000
MAX_TEXT_CHARS = 5_000
REASONS_PER_CLASS = 3

# Words that say nothing about the topic (Dutch, French, English): left out of the features.
STOPWORDS = frozenset(
    """
    de het een en van ik je u uw mijn me mij wij we ons onze is zijn was waren ben bent heb heeft hebben had
    niet geen wel nog al ook maar of dat die dit deze daar hier er om op aan in uit met voor naar bij tot door
    over als dan wat wie hoe waar wanneer waarom kan kunnen moet moeten wil willen zou zouden graag dag goede
    beste mevrouw meneer hallo bedankt dank alvast vriendelijke groeten
    le la les un une des du de d l et ou je j tu il elle nous vous ils elles mon ma mes ton ta votre vos notre
    nos son sa ses est sont suis ai as a ont avait pas ne n plus que qu qui quoi quand comment pour par sur
    dans avec sans ce cet cette ces se s y en au aux merci bonjour madame monsieur cordialement
    the a an and or of to in on at for with my your our is are was were be been have has had not no do does
    can could would please hello thanks thank you i we it this that
    """.split()
)
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("en", "es", "s", "e", "x")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text[:MAX_TEXT_CHARS].lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _stem(word: str) -> str:
    # A light, language-blind stem: plural and feminine endings (kaarten → kaart, déchets → dechet).
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[tuple[str, str]]:
    """(stem, word as typed) for each topical word of the text."""
    original = text[:MAX_TEXT_CHARS]
    folded = _fold(original)
    # Folding can change the length (ß, ligatures); the surface word is then the folded one.
    same_length = len(folded) == len(original)
    result = []
    for match in _WORD.finditer(folded):
        word = match.group()
        if len(word) < 2 or word in STOPWORDS or word.isdigit():
            continue
        surface = original[match.start() : match.end()] if same_length else word
        result.append((_stem(word), surface))
    return result


def features_with_words(text: str) -> list[tuple[str, str]]:
    """The features of a text (stems and pairs of neighbouring stems), each with the words it stands for."""
    words = tokens(text)
    pairs = [(f"{a} {b}", f"{wa} {wb}") for (a, wa), (b, wb) in itertools.pairwise(words)]
    return [*words, *pairs]


def features(text: str) -> list[str]:
    """The analyzer given to scikit-learn's TfidfVectorizer: exactly what serving computes."""
    return [feature for feature, _ in features_with_words(text)]


def sign(key: bytes, content: bytes) -> str:
    return hmac.new(key, FORMAT.encode() + b"\0" + content, hashlib.sha256).hexdigest()


class ModelRejected(Exception):
    """Stored bytes that are not a model this service wrote (wrong format or signature)."""


@dataclass(frozen=True)
class Reason:
    word: str
    weight: float


@dataclass(frozen=True)
class Ranked:
    category: str
    confidence: float
    reasons: tuple[Reason, ...]


class ServingModel:
    """A stored model, ready to rank categories for a text."""

    def __init__(
        self,
        vocabulary: Sequence[str],
        idf: npt.NDArray[np.float64],
        coef: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
        classes: Sequence[str],
    ) -> None:
        self.index = {feature: position for position, feature in enumerate(vocabulary)}
        self.idf = idf
        self.coef = coef
        self.intercept = intercept
        self.classes = list(classes)

    # --- storing -------------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            vocabulary=np.array(vocabulary, dtype=np.str_),
            idf=self.idf.astype(np.float64),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float64),
            classes=np.array(self.classes, dtype=np.str_),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, content: bytes, format_name: str, signature: str, key: bytes) -> ServingModel:
        """The model in `content`, if this service wrote it (same format, valid signature under `key`)."""
        if format_name != FORMAT:
            raise ModelRejected(f"unknown model format {format_name!r} (this service reads {FORMAT!r})")
        if not hmac.compare_digest(sign(key, content), signature):
            raise ModelRejected("the model's signature does not match: not written by this service (or its key)")
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            return cls(
                [str(word) for word in archive["vocabulary"]],
                archive["idf"].astype(np.float64),
                archive["coef"].astype(np.float64),
                archive["intercept"].astype(np.float64),
                [str(code) for code in archive["classes"]],
            )

    # --- serving -------------------------------------------------------------------------------------------
    def rank(self, text: str) -> list[Ranked]:
        """Every class, most likely first, each with the words of `text` that speak for it most."""
        found = features_with_words(text)
        counts = Counter(feature for feature, _ in found if feature in self.index)
        surface: dict[str, str] = {}
        for feature, words in found:
            surface.setdefault(feature, words)
        if counts:
            columns = np.array([self.index[feature] for feature in counts])
            values = np.array([1.0 + math.log(count) for count in counts.values()]) * self.idf[columns]
            values /= np.linalg.norm(values)
            contributions = self.coef[:, columns] * values  # classes by present features
            scores = contributions.sum(axis=1) + self.intercept
        else:
            contributions = np.zeros((len(self.classes), 0))
            scores = self.intercept.copy()
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        names = list(counts)
        ranked = []
        for position in np.argsort(-probabilities, kind="stable"):
            share = contributions[position]
            best = [index for index in np.argsort(-share, kind="stable")[:REASONS_PER_CLASS] if share[index] > 0]
            reasons = tuple(Reason(surface[names[index]], round(float(share[index]), 4)) for index in best)
            ranked.append(Ranked(self.classes[position], float(probabilities[position]), reasons))
        return ranked


# --- training (scikit-learn, imported only here) ------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    text: str
    category: str


def train(examples: Sequence[Example], *, regularisation: float = 4.0) -> ServingModel:
    """Fit TF-IDF + logistic regression on the examples (at least two categories)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    classes = sorted({example.category for example in examples})
    if len(classes) < 2:
        raise ValueError(f"training needs tickets of at least two categories; found {len(classes)}")
    # From a real history on, a word (or pair) must occur in two tickets at least: a name or an address that one
    # citizen wrote never becomes part of the model (and a retrain after an erasure forgets what was erased).
    min_df = 2 if len(examples) >= MIN_DF_FROM else 1
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, max_features=MAX_FEATURES, min_df=min_df)
    matrix = vectorizer.fit_transform([example.text for example in examples])
    classifier = LogisticRegression(C=regularisation, max_iter=2000)
    classifier.fit(matrix, [example.category for example in examples])
    coef = np.asarray(classifier.coef_, dtype=np.float64)
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if len(classifier.classes_) == 2:
        # The binary model is one score z for the second class; a softmax over (-z/2, z/2) is its sigmoid.
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return ServingModel(vocabulary, np.asarray(vectorizer.idf_), coef, intercept, [str(c) for c in classifier.classes_])


@dataclass(frozen=True)
class Evaluation:
    """Accuracy of a model on held-out examples, overall and per category."""

    total: int
    top1: int
    top3: int
    per_category: dict[str, tuple[int, int, int]]  # category → (examples, top-1 hits, top-3 hits)
    confusions: dict[tuple[str, str], int]  # (true, predicted) → count, for wrong top-1 answers

    def as_details(self) -> dict[str, Any]:
        return {
            "held_out": self.total,
            "top1_accuracy": round(self.top1 / self.total, 4) if self.total else None,
            "top3_accuracy": round(self.top3 / self.total, 4) if self.total else None,
        }


def evaluate(model: ServingModel, examples: Sequence[Example]) -> Evaluation:
    top1 = top3 = 0
    per: dict[str, list[int]] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    for example in examples:
        ranked = [entry.category for entry in model.rank(example.text)]
        counts = per.setdefault(example.category, [0, 0, 0])
        counts[0] += 1
        if ranked[0] == example.category:
            top1 += 1
            counts[1] += 1
        else:
            confusions[(example.category, ranked[0])] += 1
        if example.category in ranked[:3]:
            top3 += 1
            counts[2] += 1
    return Evaluation(
        total=len(examples),
        top1=top1,
        top3=top3,
        per_category={code: (c[0], c[1], c[2]) for code, c in sorted(per.items())},
        confusions=dict(confusions),
    )


def time_split(examples: Sequence[Example], held_out_fraction: float = 0.2) -> tuple[list[Example], list[Example]]:
    """The older part to train on and the newest part to test on (examples come oldest first)."""
    cut = int(len(examples) * (1 - held_out_fraction))
    return list(examples[:cut]), list(examples[cut:])


def describe(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True)
