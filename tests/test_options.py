"""The option builders: settings plus a run's own values become ImportOptions and DrainOptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.client import DEFAULT_BASE_URL, Credentials, RetryPolicy
from importer.config import Settings, load_settings
from importer.drain import drain_options
from importer.errors import ConfigError, UsageError
from importer.options import (
    API_MAPPING,
    CLI_MAPPING,
    Endpoint,
    builtin_for,
    import_options,
    no_mapping_message,
    required_mapping,
)
from importer.reader import ReadOptions

from .helpers import SAMPLES, night_retry

PROFILE = """\
default_profile: nightly
profiles:
  nightly:
    base_url: https://profile.example/api/v1/client/
    mapping: facebook
    campaign: Spring Promo 2026
    region: US
    batch_size: 500
    rate_limit: 30
    state_dir: {state}
    settle_seconds: 5
    client_id_env: ACME_ID
    client_secret_env: ACME_SECRET
"""


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file in the working folder, its credentials in the variables it names."""
    path = tmp_path / "whiteclad.yaml"
    path.write_text(PROFILE.format(state=tmp_path / "profile-state"), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ACME_ID", "acme-7")
    monkeypatch.setenv("ACME_SECRET", "acme-secret")
    return path


def settings(**given: object) -> Settings:
    return load_settings(given)


FILE = Path("leads.csv")


def test_defaults_without_a_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    night_retry(monkeypatch)
    options = import_options(settings(mapping="generic"), FILE, dry_run=True)
    assert options.mapping == "generic"
    assert options.dry_run is True and options.credentials is None
    assert options.batch_size == 1000 and options.rate_limit is None
    assert options.campaign is None and options.region is None
    assert options.base_url == DEFAULT_BASE_URL
    assert options.retry == RetryPolicy()
    assert options.read == ReadOptions()
    assert options.insecure_http is False and options.workbook is True


@pytest.mark.parametrize(
    ("name", "given", "env", "expected"),
    [
        ("batch_size", 200, "300", 200),
        ("batch_size", None, "300", 300),
        ("batch_size", None, None, 500),
        ("campaign", "Webinar", "Env Campaign", "Webinar"),
        ("campaign", None, "Env Campaign", "Env Campaign"),
        ("campaign", None, None, "Spring Promo 2026"),
        ("rate_limit", 0, "10", 0),
        ("rate_limit", None, "10", 10),
        ("rate_limit", None, None, 30),
        ("mapping", "generic", "google_ads", "generic"),
        ("mapping", None, "google_ads", "google_ads"),
        ("mapping", None, None, "facebook"),
        ("region", "GB", "DE", "GB"),
        ("region", None, "DE", "DE"),
        ("region", None, None, "US"),
    ],
)
def test_an_override_beats_the_environment_beats_the_profile(
    profile: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    given: object,
    env: str | None,
    expected: object,
) -> None:
    if env is not None:
        monkeypatch.setenv(f"WHITECLAD_{name.upper()}", env)
    options = import_options(settings(**{name: given}), FILE)
    assert getattr(options, name) == expected


def test_the_default_when_nothing_sets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHITECLAD_CLIENT_ID", "id")
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", "secret")
    options = import_options(settings(mapping="generic"), FILE)
    assert options.batch_size == 1000 and options.base_url == DEFAULT_BASE_URL


def test_base_url_is_resolved_and_credentials_read_when_sending(
    profile: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    options = import_options(settings(), FILE)
    assert options.base_url == "https://profile.example/api/v1/client"  # no trailing /
    assert options.credentials == Credentials("acme-7", "acme-secret")
    assert options.state_dir == state_dir  # WHITECLAD_STATE_DIR beats the profile
    monkeypatch.delenv("WHITECLAD_STATE_DIR")
    assert import_options(settings(), FILE).state_dir == profile.parent / "profile-state"
    overridden = import_options(settings(base_url="http://127.0.0.1:8080/api/"), FILE)
    assert overridden.base_url == "http://127.0.0.1:8080/api"


def test_a_dry_run_needs_no_credentials_nor_a_usable_base_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHITECLAD_BASE_URL", "not a url")
    options = import_options(settings(mapping="generic"), FILE, dry_run=True, insecure_http=True)
    assert options.credentials is None and options.insecure_http is False
    with pytest.raises(ConfigError, match="no API credentials"):
        import_options(settings(mapping="generic"), FILE)


def test_a_bad_base_url_is_refused_before_sending(profile: Path) -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        import_options(settings(base_url="ftp://example"), FILE)


def test_an_endpoint_replaces_the_address_and_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    endpoint = Endpoint("http://127.0.0.1:9/api/v1/client", Credentials("sb", "sb-secret"))
    options = import_options(settings(mapping="generic"), FILE, endpoint=endpoint)
    assert options.base_url == endpoint.base_url
    assert options.credentials == endpoint.credentials


def test_the_run_values_pass_through(profile: Path) -> None:
    read = ReadOptions(encoding="cp1252", delimiter=";", sheet="2", header_row=3, chunk_rows=7)
    retry = RetryPolicy(attempts=2, backoff=0.5)
    options = import_options(
        settings(), FILE, out_dir=Path("out"), lenient=True, read=read, retry=retry, fresh=True,
        workers=0, write_leads=True, workbook=False, insecure_http=True,
    )  # fmt: skip
    assert (options.path, options.out_dir, options.read, options.retry) == (
        FILE, Path("out"), read, retry
    )  # fmt: skip
    assert options.lenient and options.fresh and options.write_leads and options.insecure_http
    assert options.workers == 0 and options.workbook is False


def test_a_region_from_the_environment_is_checked_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHITECLAD_REGION", "UK")
    with pytest.raises(UsageError, match="WHITECLAD_REGION 'UK'"):
        import_options(settings(mapping="generic"), FILE, dry_run=True)


def test_the_one_no_mapping_message_names_the_builtin_that_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    hubspot = SAMPLES / "hubspot_contacts.csv"
    with pytest.raises(UsageError) as caught:
        import_options(settings(), hubspot, dry_run=True)
    message = caught.value.message
    assert message == no_mapping_message(hubspot)
    assert message.startswith(
        "no mapping: pass --mapping with a YAML file or a built-in name (apollo, facebook, "
    )
    assert message.endswith(
        ". This file looks like a 'hubspot' export: add --mapping hubspot (it reads 10 of the "
        "file's 12 columns)"
    )
    # The Python API's wording of the same sentence.
    api = no_mapping_message(hubspot, option=API_MAPPING)
    assert api.startswith("no mapping: pass mapping= with a YAML file or a built-in name (")
    assert api.endswith("add mapping='hubspot' (it reads 10 of the file's 12 columns)")
    assert api == message.replace("--mapping hubspot", "mapping='hubspot'").replace(
        "--mapping", "mapping="
    )


def test_without_a_fitting_builtin_the_message_points_to_suggest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "odd.csv"
    odd.write_text("colour,size\nred,4\n", encoding="utf-8")
    assert builtin_for(odd) is None
    assert builtin_for(tmp_path / "missing.csv") is None  # the import says what is wrong
    message = no_mapping_message(odd)
    assert message.endswith(f"; or run 'whiteclad-import mapping suggest {odd}' to get one written")
    with pytest.raises(UsageError, match="mapping suggest FILE"):
        required_mapping(settings(), option=CLI_MAPPING)


def test_drain_options_from_the_profile(profile: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    read = ReadOptions(header_row=2)
    options = drain_options(settings(), inbox, archive=tmp_path / "a", lenient=True, read=read)
    assert options.inbox == inbox and options.archive_dir == tmp_path / "a"
    assert options.failed_dir == inbox / "failed" and options.out_dir == inbox / "reports"
    assert options.settle_seconds == 5.0
    template = options.template
    assert template.dry_run is False and template.lenient and template.read == read
    assert template.mapping == "facebook" and template.campaign == "Spring Promo 2026"
    assert template.base_url == "https://profile.example/api/v1/client"
    assert template.credentials == Credentials("acme-7", "acme-secret")
    assert template == import_options(settings(), inbox, lenient=True, read=read)


def test_drain_options_precedence(profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHITECLAD_SETTLE_SECONDS", "2.5")
    monkeypatch.setenv("WHITECLAD_BATCH_SIZE", "300")
    options = drain_options(settings(settle_seconds=1.0), Path("inbox"))
    assert options.settle_seconds == 1.0 and options.template.batch_size == 300
    assert drain_options(settings(), Path("inbox")).settle_seconds == 2.5


def test_drain_options_without_a_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        drain_options(settings(), tmp_path / "inbox", mapping_option=API_MAPPING)
    assert caught.value.message.startswith("no mapping: pass mapping= with a YAML file")
    assert "mapping suggest FILE" in caught.value.message
