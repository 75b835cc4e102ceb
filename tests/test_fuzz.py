"""Schemathesis over the whole OpenAPI document, as an admin: no answer is a 5xx or contradicts the
document (its status codes, content types and schemas), on both engines.

Bounded to stay a part of every run: a fixed seed (``derandomize``), ``FUZZ_EXAMPLES`` cases per
operation (20 here, 40 in CI, which sets ``OMNIDESK_FUZZ_EXAMPLES``; set it higher for a longer hunt),
no example database. The operations are dealt into ``SHARDS`` tests, so that parallel workers share them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from omnidesk.app import create_app
from omnidesk.services import Services
from tests.helpers import Persona

FUZZ_EXAMPLES = int(os.environ.get("OMNIDESK_FUZZ_EXAMPLES", "20"))
SHARDS = 4
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


def _fuzz(services: Services, headers: dict[str, str], *, public_only: bool, shard: int) -> list[str]:
    """The cases of every ``SHARDS``-th operation from ``shard`` on; the failures, one entry per
    operation that had any."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    failures: list[str] = []
    operations = 0
    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()
        if operation.path == "/api/v1/logout":
            continue  # logging out would spend the admin's token for the cases after it
        if public_only and "401" in operation.definition.raw.get("responses", {}):
            continue
        operations += 1

        # Cases that follow the document and cases that break it (wrong types, missing fields).
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(
            max_examples=FUZZ_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # every operation is tried, all reported together
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations >= (20 if public_only else 100) // SHARDS  # the document really lists the API
    return failures


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_answer_to_an_admin_is_a_server_error_or_contradicts_the_document(
    services: Services, admin: Persona, shard: int
) -> None:
    failures = _fuzz(services, admin.headers, public_only=False, shard=shard)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_answer_to_anyone_on_a_public_route_is_a_server_error_or_contradicts_the_document(
    services: Services, shard: int
) -> None:
    failures = _fuzz(services, {}, public_only=True, shard=shard)
    assert not failures, "\n\n".join(failures)


def test_the_document_lists_the_error_envelope_and_never_422(services: Services) -> None:
    document = create_app(services).openapi()
    assert "Error" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "422" not in codes, (method, path)
            assert {"200", "400", "431"} <= codes, (method, path)
            if method != "get":
                assert "413" in codes, (method, path)
    assert {"401", "403", "404"} <= set(
        document["paths"]["/api/v1/omnichannel/contacts.get"]["get"]["responses"]
    )


def test_a_405_allows_every_method_of_the_path(admin: Persona) -> None:
    response = admin.client.patch("/api/v1/omnichannel/voice.lines/someline", headers=admin.headers)
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, PUT"
    assert response.json()["errorType"] == "error-method-not-allowed"
