"""Checks of our own for the property-based API run (see scripts/api-fuzz/run)."""

import schemathesis


@schemathesis.check
def errors_are_problem_json(ctx, response, case):
    """Every error answer (4xx, 5xx) is application/problem+json with a status and a title."""
    if response.status_code < 400:
        return
    types = response.headers.get("content-type", [""])
    if not types or not types[0].startswith("application/problem+json"):
        raise AssertionError(
            f"error {response.status_code} answered with content type {types!r}, "
            "not application/problem+json"
        )
    body = response.json()
    if body.get("status") != response.status_code or not body.get("title"):
        raise AssertionError(f"problem without status or title: {body!r}")
