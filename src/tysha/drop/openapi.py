"""The drop's OpenAPI 3.1 description, written by hand to match docs/drop-api.md."""

from __future__ import annotations

from typing import Any

_ERR = {
    "description": "error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_BIN = {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
_RECEIPT = {
    "description": "acknowledged: durable, logged, covered by a signed checkpoint",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReceiptResponse"}}},
}


def _q(
    name: str, required: bool = False, minimum: int = 0, maximum: int | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return {"name": name, "in": "query", "required": required, "schema": schema}


_UPLOAD_ID = {
    "name": "upload_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}
_INDEX = {
    "name": "index",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Tysha drop",
        "version": "1",
        "description": "Untrusted intake: stores ciphertext, keeps a transparency log.",
    },
    "paths": {
        "/v1/info": {
            "get": {
                "responses": {
                    "200": {
                        "description": "drop parameters",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                }
            }
        },
        "/v1/envelopes": {
            "post": {
                "parameters": [
                    {
                        "name": "pow",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                    }
                ],
                "requestBody": {"required": True, **_BIN},
                "responses": {
                    "200": _RECEIPT,
                    "400": _ERR,
                    "403": _ERR,
                    "408": _ERR,
                    "413": _ERR,
                    "507": _ERR,
                },
            }
        },
        "/v1/uploads": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["digest", "length"],
                                "properties": {
                                    "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                    "length": {"type": "integer", "minimum": 5},
                                    "pow": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "upload state"},
                    "400": _ERR,
                    "403": _ERR,
                    "408": _ERR,
                    "413": _ERR,
                    "507": _ERR,
                    "409": _ERR,
                },
            }
        },
        "/v1/uploads/{upload_id}": {
            "get": {
                "parameters": [_UPLOAD_ID],
                "responses": {"200": {"description": "upload state"}, "404": _ERR},
            },
            "put": {
                "parameters": [_UPLOAD_ID, _q("offset", True)],
                "requestBody": {"required": True, **_BIN},
                "responses": {
                    "200": {"description": "new offset"},
                    "400": _ERR,
                    "404": _ERR,
                    "408": _ERR,
                    "409": _ERR,
                    "413": _ERR,
                    "507": _ERR,
                },
            },
        },
        "/v1/uploads/{upload_id}/finish": {
            "post": {
                "parameters": [_UPLOAD_ID],
                "responses": {"200": _RECEIPT, "400": _ERR, "404": _ERR, "409": _ERR},
            }
        },
        "/v1/proof/inclusion": {
            "get": {
                "parameters": [_q("index", True), _q("size", True, 1)],
                "responses": {"200": {"description": "proof"}, "400": _ERR},
            }
        },
        "/v1/proof/consistency": {
            "get": {
                "parameters": [_q("old", True), _q("new", True)],
                "responses": {"200": {"description": "proof"}, "400": _ERR},
            }
        },
        "/v1/clues": {
            "get": {
                "parameters": [
                    _q("after", False, -1),
                    _q("limit", False, 1, 10000),
                    _q("v", False, 1, 2),
                ],
                "responses": {"200": {"description": "clue records", **_BIN}, "400": _ERR},
            }
        },
        "/v1/envelopes/{index}": {
            "get": {
                "parameters": [_INDEX],
                "responses": {"200": {"description": "envelope", **_BIN}, "404": _ERR, "410": _ERR},
            }
        },
        "/v1/envelopes/{index}/delete": {
            "post": {
                "parameters": [_INDEX],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["secret"],
                                "properties": {
                                    "secret": {"type": "string", "pattern": "^[0-9a-f]{64}$"}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "slot marked"},
                    "400": _ERR,
                    "403": _ERR,
                    "404": _ERR,
                    "408": _ERR,
                    "410": _ERR,
                    "413": _ERR,
                },
            }
        },
        "/log/checkpoint": {
            "get": {"responses": {"200": {"description": "C2SP checkpoint (signed note)"}}}
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "detail"],
                "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
            },
            "ReceiptResponse": {
                "type": "object",
                "properties": {
                    "receipt": {
                        "type": "object",
                        "properties": {
                            "envelope_digest": {"type": "string"},
                            "index": {"type": "integer"},
                            "checkpoint": {"type": "string"},
                            "proof": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                },
            },
        }
    },
}
