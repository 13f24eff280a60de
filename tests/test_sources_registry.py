"""The source-API registry: the config, the docs and resolution read one list of names; an unknown name is an error.

Resolution runs against a real HTTP server on 127.0.0.1 that speaks the public APIs' JSON
(``tests/public_apis.py``); nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from factflow.config import ApisConfig, Config, SourceTemplate, load_config
from factflow.errors import ConfigError, UnknownNameError
from factflow.http import build_client
from factflow.models import Appearance, Claim, Document, Resolution, Source
from factflow.sources import link_sources, registry
from factflow.sources.resolve import ResolvedBatch, Resolver, resolve_with, secret_headers
from tests import public_apis
from tests.conftest import online_config, write

DOC_URL = "https://news.example.org/2015/09/russia-syria"
CLAIM = Claim(
    id="c-000000000001", document="d", text="Assad controls 25 to 30 percent of Syria.", sentence_index=0, checkworthiness=0.9,
    reasons=[], type="statistic", appearances=[Appearance(document="d", sentence_index=0)], key_terms=["Assad", "Syria", "25"],
)
DOCUMENT = Document(id="d", path="d.txt", title="T", text="T", sha256="0" * 64, url=DOC_URL)


def template(source_id: str, api: str | None) -> dict[str, object]:
    return {"id": source_id, "name": source_id.title(), "kind": "topic", "url": f"https://{source_id}.example/?q={{query}}", "api": api}


def resolve(config: Config, key: str | None = None) -> ResolvedBatch:
    """Link the claim's sources from the catalog and resolve them with a real client."""
    sources = {CLAIM.id: link_sources(CLAIM, config.sources, DOCUMENT)}

    async def main() -> ResolvedBatch:
        async with build_client(config.http, None, secret_headers(config, key)) as client:
            return await resolve_with(client, [CLAIM], sources, [DOCUMENT], config, key)

    return asyncio.run(main())


def with_catalog(server: HTTPServer, out: Path, catalog: list[dict[str, object]]) -> Config:
    data = online_config(server, out).config.model_dump()
    data["sources"]["catalog"] = catalog
    return Config.model_validate(data)


def test_every_registered_api_has_a_config_section_and_a_summary() -> None:
    assert registry.names() == ("wikipedia", "wikidata", "wayback", "factchecktools")
    assert set(registry.names()) == set(ApisConfig.model_fields)
    for name in registry.names():
        assert registry.get(name).summary and f"{name}: " in registry.describe()


def test_an_unknown_api_in_the_config_is_a_config_error_naming_its_line_and_the_registered_apis(tmp_path: Path) -> None:
    path = write(tmp_path / "factflow.yaml", (
        "sources:\n  catalog:\n    - id: archive\n      name: Archive\n      kind: archive\n"
        "      url: https://web.archive.org/web/*/{document_url}\n      api: wayback-machine\n"
    ))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 7
    assert f"unknown source API 'wayback-machine'; choose one of {', '.join(registry.names())}" in str(info.value)


def test_every_registered_api_is_an_allowed_value() -> None:
    for name in registry.names():
        assert SourceTemplate.model_validate(template("s", name)).api == name


def test_each_source_goes_to_the_api_its_catalog_entry_names(api_server: HTTPServer, tmp_path: Path) -> None:
    public_apis.install(api_server)
    # Ids that are not the API names: resolution follows ``api``, not the id.
    catalog = [template("encyclopedia", "wikidata"), template("knowledge", "wikipedia"), template("copy", "wayback"),
               template("checks", "factchecktools"), template("plain", None)]
    batch = resolve(with_catalog(api_server, tmp_path, catalog), public_apis.SECRET_KEY)
    found = {s.id: s for s in batch.sources[CLAIM.id]}

    assert found["encyclopedia"].resolved is not None and found["encyclopedia"].resolved.wikidata_id == "Q44329"
    assert found["encyclopedia"].title == "Encyclopedia: Bashar al-Assad" and found["encyclopedia"].resolved.label == "Bashar al-Assad"
    assert found["knowledge"].resolved is not None and found["knowledge"].resolved.title == "Bashar al-Assad"
    assert found["knowledge"].url == "https://en.wikipedia.org/wiki/Bashar_al-Assad"
    assert found["copy"].resolved is not None and found["copy"].url == f"http://web.archive.org/web/20150915083000/{DOC_URL}"
    assert found["checks"].status == "resolved" and found["checks"].title.endswith("(1 existing fact-check)")
    assert [c.publisher for c in batch.already_checked[CLAIM.id]] == ["PolitiFact"]
    assert found["plain"].status == "link"
    asked = {r.path for r, _ in api_server.log}
    assert asked == {"/w/api.php", "/api/rest_v1/page/summary/Bashar_al-Assad", "/wayback/available", "/v1alpha1/claims:search"}


def test_an_unknown_api_at_resolve_time_is_an_error_never_another_apis_answer(api_server: HTTPServer, tmp_path: Path) -> None:
    public_apis.install(api_server)
    config = with_catalog(api_server, tmp_path, [template("copy", "wayback")])
    # A catalog built around validation (model_copy does not validate): resolution must not guess.
    odd = config.sources.catalog[0].model_copy(update={"api": "wayback-machine"})
    config = config.model_copy(update={"sources": config.sources.model_copy(update={"catalog": [odd]})})
    with pytest.raises(UnknownNameError, match=f"unknown source API 'wayback-machine'; choose one of {', '.join(registry.names())}"):
        resolve(config)
    assert api_server.log == []


def test_a_new_source_api_is_one_registration(api_server: HTTPServer, tmp_path: Path) -> None:
    @registry.register("constant-test", "always the same page")
    async def constant(resolver: Resolver, entry: SourceTemplate, source: Source, fields: registry.Fields) -> registry.Outcome:
        return replace(source, status="resolved", resolved=Resolution(title=f"about {fields['entity']}")), None

    try:
        assert "constant-test" in registry.names()
        batch = resolve(with_catalog(api_server, tmp_path, [template("constant", "constant-test")]))
        (source,) = batch.sources[CLAIM.id]
        assert source.status == "resolved" and source.resolved == Resolution(title="about Assad")
        with pytest.raises(ValueError, match="registered twice"):
            registry.register("constant-test", "again")(constant)
    finally:
        registry._REGISTRY.pop("constant-test", None)


def test_published_fact_checks_are_reranked_by_similarity_and_the_unlike_dropped(api_server: HTTPServer, tmp_path: Path) -> None:
    public_apis.install(api_server)  # claims:search answers two fact-checks for any query naming Assad
    config = online_config(api_server, tmp_path / "out").config
    found = resolve(config, public_apis.SECRET_KEY).already_checked[CLAIM.id]
    assert [c.publisher for c in found] == ["PolitiFact"]  # "Assad's wife shopping in Paris" is dropped
    assert found[0].origin == "google" and found[0].similarity is not None
    assert config.sources.match_threshold <= found[0].similarity <= 1.0
    # Same words, another figure: "a quarter" is not 60 percent, so nothing is already checked.
    sixty = replace_claim(text="Assad controls 60 percent of Syria.")
    sources = {sixty.id: link_sources(sixty, config.sources, DOCUMENT)}

    async def main() -> ResolvedBatch:
        async with build_client(config.http, None, secret_headers(config, public_apis.SECRET_KEY)) as client:
            return await resolve_with(client, [sixty], sources, [DOCUMENT], config, public_apis.SECRET_KEY)

    assert asyncio.run(main()).already_checked[sixty.id] == []


def replace_claim(**changes: object) -> Claim:
    return CLAIM.model_copy(update=changes)
