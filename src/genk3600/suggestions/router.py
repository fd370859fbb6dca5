from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from genk3600.auth.dependencies import Admin, AppSettings, ContactWriter
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.reader import ReaderLanguage
from genk3600.suggestions import service
from genk3600.suggestions.schemas import SUGGESTION_REQUEST_EXAMPLE, ClassifierModelList, SuggestionIn, SuggestionsOut

router = APIRouter(prefix="/v1/suggestions", tags=["suggestions"])

SUGGESTIONS_EXAMPLE: dict[str, Any] = {
    "model_version": 3,
    "suggestions": [
        {
            "category": "civil.id_card",
            "name": "Identiteitskaart",
            "confidence": 0.91,
            "social": False,
            "reasons": [{"word": "identiteitskaart", "weight": 0.83}, {"word": "gestolen", "weight": 0.21}],
        },
        {"category": "civil.passport", "name": "Reispas", "confidence": 0.04, "social": False, "reasons": []},
        {"category": "general.question", "name": "Algemene vraag", "confidence": 0.02, "social": False, "reasons": []},
    ],
    "preselect": "civil.id_card",
    "preselect_threshold": 0.6,
}


@router.post(
    "/categories",
    operation_id="suggest_categories",
    summary="Suggest a category for what a citizen said",
    description=(
        "The three most likely categories for a contact's subject and text (Dutch or French), each with the "
        "model's confidence and the words of the text that drove it. The model is trained on the city's own "
        "resolved tickets (`genk3600 train-classifier`); the newest stored one answers. A social (OCMW) "
        "category is only suggested to a caller who may see its tickets; for others it is left out. "
        "`preselect` names the top category when its confidence is high enough for the console to pick it. "
        "Without a trained model the list is empty and `model_version` null. Writes nothing."
    ),
    responses={
        200: {"description": "The suggestions.", "content": {"application/json": {"example": SUGGESTIONS_EXAMPLE}}},
        **problem_responses(*AUTH_PROBLEMS),
    },
)
async def suggest_categories(
    session: Session,
    settings: AppSettings,
    viewer: ContactWriter,
    data: Annotated[SuggestionIn, Body(examples=[SUGGESTION_REQUEST_EXAMPLE])],
    language: ReaderLanguage,
) -> SuggestionsOut:
    return await service.suggest(session, settings, viewer, data, language)


@router.get(
    "/models",
    operation_id="list_classifier_models",
    summary="List the stored category classifiers",
    description="The stored models, newest first (the first one serves), with how many tickets each learnt from "
    "and its accuracy on the newest fifth of them when trained on the older rest.",
    responses={
        200: {
            "description": "The models.",
            "content": {
                "application/json": {
                    "example": {
                        "items": [
                            {
                                "version": 3,
                                "format": "genk3600-tfidf-logreg-v1",
                                "classes": ["civil.id_card", "waste.pickup"],
                                "ticket_count": 48210,
                                "details": {"held_out": 9642, "top1_accuracy": 0.87, "top3_accuracy": 0.97},
                                "actor_name": "train-classifier",
                                "created_at": "2026-12-06T16:00:00Z",
                            }
                        ]
                    }
                }
            },
        },
        **problem_responses(*AUTH_PROBLEMS),
    },
)
async def list_models(session: Session, _: Admin) -> ClassifierModelList:
    return await service.list_models(session)
