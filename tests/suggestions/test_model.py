"""The stored model: serving computes what scikit-learn computes, and reads only what this service signed."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from genk3600.suggestions.model import (
    FORMAT,
    MAX_FEATURES,
    Example,
    ModelRejected,
    ServingModel,
    evaluate,
    features,
    sign,
    time_split,
    train,
)
from tests.knowledge import HISTORY

KEY = b"test-key"
EXAMPLES = [Example(text, code) for code, texts in HISTORY.items() for text in texts]
QUERIES = ["Mijn identiteitskaart is gestolen", "Grofvuil!", "leefloon OCMW", "Carte d'identité volée", "niets bekends"]


def test_serving_computes_what_scikit_learn_computes() -> None:
    model = train(EXAMPLES)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, max_features=MAX_FEATURES)
    matrix = vectorizer.fit_transform([example.text for example in EXAMPLES])
    reference = LogisticRegression(C=4.0, max_iter=2000).fit(matrix, [example.category for example in EXAMPLES])

    expected = reference.predict_proba(vectorizer.transform(QUERIES))

    for query, probabilities in zip(QUERIES, expected, strict=True):
        served = {ranked.category: ranked.confidence for ranked in model.rank(query)}
        assert [served[str(code)] for code in reference.classes_] == pytest.approx(list(probabilities), abs=1e-5)


def test_binary_models_rank_like_scikit_learn() -> None:
    two = [example for example in EXAMPLES if example.category != "social.living_wage"]
    model = train(two)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    reference = LogisticRegression(C=4.0, max_iter=2000).fit(
        vectorizer.fit_transform([e.text for e in two]), [e.category for e in two]
    )

    expected = reference.predict_proba(vectorizer.transform(["identiteitskaart kwijt"]))[0]

    served = {ranked.category: ranked.confidence for ranked in model.rank("identiteitskaart kwijt")}
    assert [served[str(code)] for code in reference.classes_] == pytest.approx(list(expected), abs=1e-5)


def test_stored_bytes_round_trip_only_with_our_signature() -> None:
    model = train(EXAMPLES)
    content = model.to_bytes()

    loaded = ServingModel.from_bytes(content, FORMAT, sign(KEY, content), KEY)

    assert loaded.rank("identiteitskaart")[0].category == "civil.id_card"
    assert np.allclose(loaded.idf, model.idf)
    with pytest.raises(ModelRejected):
        ServingModel.from_bytes(content, FORMAT, sign(b"another key", content), KEY)
    with pytest.raises(ModelRejected):
        ServingModel.from_bytes(content, "pickle", sign(KEY, content), KEY)


def test_reasons_are_words_of_the_text_as_typed() -> None:
    model = train(EXAMPLES)

    top = model.rank("Mijn IDENTITEITSKAART werd gestolen")[0]

    assert top.category == "civil.id_card"
    assert top.reasons[0].word == "IDENTITEITSKAART"


def test_evaluation_on_a_time_split() -> None:
    older, newest = time_split(EXAMPLES, 0.25)

    result = evaluate(train(older), newest)

    assert result.total == len(newest) == 6
    assert 0 <= result.top1 <= result.top3 <= result.total
    assert sum(counts[0] for counts in result.per_category.values()) == 6


def test_one_category_is_not_enough() -> None:
    with pytest.raises(ValueError, match="at least two categories"):
        train([Example("grofvuil", "waste.pickup"), Example("pmd", "waste.pickup")])
