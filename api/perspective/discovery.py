"""The Perspective API's discovery document, so Google's own client libraries
(`google-api-python-client`'s `discovery.build`, Node's `google.discoverAPI`) work
against this server by changing their discovery URL alone.

It describes the two methods `endpoint` answers, comments.analyze and
comments.suggestscore, with request schemas whose fields are exactly those `protocol`
accepts (ANALYZE_FIELDS, SUGGEST_FIELDS) and response schemas of what `endpoint`
returns. `rootUrl` is the origin the client reached us by (api/http/origin.py), so the
library's calls come back to this server, whatever its address.
"""

from __future__ import annotations

from typing import Any, Final

from api.perspective.protocol import ANALYZE_FIELDS, SUGGEST_FIELDS
from moderation.scorers.perspective import ATTRIBUTES

NAME: Final = "commentanalyzer"
VERSION: Final = "v1alpha1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


def _map_of(name: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": _ref(name)}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


_COMMON: Final[dict[str, Any]] = {
    "comment": _ref("TextEntry"),
    "context": _ref("Context"),
    "languages": _strings("ISO 639-1 codes the text is in; detected when empty."),
    "doNotStore": {"type": "boolean", "description": "Never keep the text (analyze never does)."},
    "clientToken": _string("Echoed back in the response."),
    "communityId": _string("The community the comment belongs to."),
    "sessionId": _string("Accepted and ignored."),
}

_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "TextEntry": {
        "id": "TextEntry",
        "type": "object",
        "properties": {
            "text": _string("The comment's text: at most 20 KB of UTF-8."),
            "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"]},
        },
    },
    "Context": {
        "id": "Context",
        "type": "object",
        "description": "Accepted for compatibility; the score does not use it.",
        "properties": {
            "entries": {"type": "array", "items": _ref("TextEntry")},
            "articleAndParentComment": {"type": "object"},
        },
    },
    "AttributeParameters": {
        "id": "AttributeParameters",
        "type": "object",
        "properties": {
            "scoreType": {"type": "string", "enum": ["PROBABILITY"]},
            "scoreThreshold": {"type": "number", "format": "float"},
        },
    },
    "Score": {
        "id": "Score",
        "type": "object",
        "properties": {
            "value": {"type": "number", "format": "float"},
            "type": {"type": "string", "enum": ["PROBABILITY"]},
        },
    },
    "SpanScore": {
        "id": "SpanScore",
        "type": "object",
        "properties": {
            "begin": {"type": "integer", "format": "int32"},
            "end": {"type": "integer", "format": "int32"},
            "score": _ref("Score"),
        },
    },
    "AttributeScores": {
        "id": "AttributeScores",
        "type": "object",
        "properties": {
            "summaryScore": _ref("Score"),
            "spanScores": {"type": "array", "items": _ref("SpanScore")},
        },
    },
    "AnalyzeCommentRequest": {
        "id": "AnalyzeCommentRequest",
        "type": "object",
        "properties": {
            **{k: v for k, v in _COMMON.items() if k in ANALYZE_FIELDS},
            "requestedAttributes": {
                **_map_of("AttributeParameters"),
                "description": "Attributes to score: " + ", ".join(ATTRIBUTES) + ".",
            },
            "spanAnnotations": {"type": "boolean", "description": "Score each sentence too."},
        },
    },
    "AnalyzeCommentResponse": {
        "id": "AnalyzeCommentResponse",
        "type": "object",
        "properties": {
            "attributeScores": _map_of("AttributeScores"),
            "languages": _strings("The languages the text was scored as."),
            "detectedLanguages": _strings("The languages detected in the text."),
            "clientToken": _string("The request's clientToken."),
        },
    },
    "SuggestCommentScoreRequest": {
        "id": "SuggestCommentScoreRequest",
        "type": "object",
        "properties": {
            **{k: v for k, v in _COMMON.items() if k in SUGGEST_FIELDS},
            "attributeScores": _map_of("AttributeScores"),
        },
    },
    "SuggestCommentScoreResponse": {
        "id": "SuggestCommentScoreResponse",
        "type": "object",
        "properties": {
            "detectedLanguages": _strings("The languages detected in the text."),
            "requestedLanguages": _strings("The request's languages."),
            "clientToken": _string("The request's clientToken."),
        },
    },
}


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    path = f"{VERSION}/comments:{name}"
    return {
        "id": f"{NAME}.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "parameters": {},
        "parameterOrder": [],
        "request": _ref(request),
        "response": _ref(response),
        "description": description,
    }


def discovery_document(origin: str) -> dict[str, Any]:
    """The document for a client that reached this server at origin (scheme://host)."""
    root = origin.rstrip("/") + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"{NAME}:{VERSION}",
        "name": NAME,
        "version": VERSION,
        "revision": "1",
        "title": "Perspective Comment Analyzer API (served by commentmod)",
        "description": "Scores comments with this server's own model.",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "basePath": "",
        "batchPath": "batch",
        "parameters": {
            "key": {
                "type": "string",
                "location": "query",
                "description": "An API key made with `commentmod apikey create`.",
            },
            "alt": {
                "type": "string",
                "location": "query",
                "default": "json",
                "enum": ["json"],
                "description": "Data format for the response.",
            },
            "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
        },
        "schemas": _SCHEMAS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                        "Analyzes the provided text and returns scores for its attributes.",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                        "Suggests scores for a text: feedback for the model.",
                    ),
                }
            }
        },
    }
