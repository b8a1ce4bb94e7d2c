"""Settings: precedence of command line, environment, profile and defaults; the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.client import DEFAULT_BASE_URL, RetryPolicy
from importer.config import (
    MASK,
    Settings,
    check_settings,
    find_config,
    load_settings,
    retry_given,
    retry_policy,
)
from importer.errors import ConfigError

CONFIG = """\
default_profile: nightly
profiles:
  nightly:
    base_url: http://127.0.0.1:9/api/v1/client
    mapping: facebook
    campaign: Spring Promo 2026
    region: US
    batch_size: 500
    rate_limit: 30
    state_dir: ~/leads-state
    client_id_env: ACME_ID
    client_secret_env: ACME_SECRET
    settle_seconds: 5
  other:
    mapping: generic
"""


def write_config(folder: Path, text: str = CONFIG, mode: int = 0o600) -> Path:
    path = folder / "whiteclad.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def settings(tmp_path: Path, given: dict[str, object] | None = None,
             env: dict[str, str] | None = None, **kwargs: object) -> Settings:  # fmt: skip
    environment = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    return load_settings(given, env={**environment, **(env or {})}, cwd=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    found = settings(tmp_path)
    assert found.config_path is None and found.profile is None
    assert found["base_url"] == DEFAULT_BASE_URL
    assert found["batch_size"] == 1000
    assert found["mapping"] is None
    assert found.sources.get("batch_size") == "default"


@pytest.mark.parametrize(
    ("name", "given", "env", "expected", "source"),
    [
        ("batch_size", 200, "300", 200, "command line"),
        ("batch_size", None, "300", 300, "environment WHITECLAD_BATCH_SIZE"),
        ("batch_size", None, None, 500, "profile 'nightly'"),
        ("mapping", "generic", "facebook", "generic", "command line"),
        ("mapping", None, "x.yaml", "x.yaml", "environment WHITECLAD_MAPPING"),
        ("mapping", None, None, "facebook", "profile 'nightly'"),
        ("rate_limit", 0, "10", 0, "command line"),
        ("rate_limit", None, None, 30, "profile 'nightly'"),
        ("settle_seconds", None, "2.5", 2.5, "environment WHITECLAD_SETTLE_SECONDS"),
        ("settle_seconds", None, None, 5.0, "profile 'nightly'"),
    ],
)
def test_command_line_beats_environment_beats_profile(
    tmp_path: Path, name: str, given: object, env: str | None, expected: object, source: str
) -> None:
    write_config(tmp_path)
    environment = {f"WHITECLAD_{name.upper()}": env} if env is not None else {}
    found = settings(tmp_path, {name: given}, environment)
    assert found[name] == expected
    assert found.sources[name].startswith(source)


def test_profile_paths_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write_config(tmp_path)
    assert settings(tmp_path)["state_dir"] == tmp_path / "leads-state"


def test_credentials_from_the_variables_the_profile_names(tmp_path: Path) -> None:
    write_config(tmp_path)
    found = settings(tmp_path, env={"ACME_ID": "acme", "ACME_SECRET": "s3cret-value"})
    credentials = found.credentials()
    assert (credentials.client_id, credentials.client_secret) == ("acme", "s3cret-value")
    assert "ACME_SECRET" in found.sources["client_secret"]
    # The standard variables win over the profile's.
    found = settings(tmp_path, env={"ACME_SECRET": "a", "WHITECLAD_CLIENT_SECRET": "b"})
    assert found["client_secret"] == "b"


def test_credentials_are_never_taken_from_the_command_line(tmp_path: Path) -> None:
    found = settings(tmp_path, {"client_id": "x", "client_secret": "y"})
    assert found["client_secret"] is None
    with pytest.raises(ConfigError, match="WHITECLAD_CLIENT_ID and WHITECLAD_CLIENT_SECRET"):
        found.credentials()


def test_missing_credentials_name_the_profile_keys(tmp_path: Path) -> None:
    write_config(tmp_path)
    with pytest.raises(ConfigError, match="client_secret_env in profile 'nightly'"):
        settings(tmp_path, env={"ACME_ID": "acme"}).credentials()


def test_secrets_are_masked_everywhere_they_are_shown(tmp_path: Path) -> None:
    write_config(tmp_path)
    found = settings(tmp_path, env={"ACME_ID": "acme", "ACME_SECRET": "s3cret-value"})
    shown = dict((name, value) for name, value, _ in found.describe())
    assert shown["client_secret"] == MASK
    assert "s3cret-value" not in repr(found)
    assert "s3cret-value" not in str(found.describe())


def test_profile_selection(tmp_path: Path) -> None:
    write_config(tmp_path)
    assert settings(tmp_path).profile == "nightly"  # default_profile
    assert settings(tmp_path, env={"WHITECLAD_PROFILE": "other"})["mapping"] == "generic"
    assert settings(tmp_path, profile="other", env={"WHITECLAD_PROFILE": "nightly"}).profile == (
        "other"
    )
    with pytest.raises(ConfigError, match="no profile 'prod' \\(profiles: nightly, other\\)"):
        settings(tmp_path, profile="prod")


def test_profile_without_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="there is no config file"):
        settings(tmp_path, profile="nightly")


def test_where_the_config_file_is_looked_for(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg" / "whiteclad-import"
    xdg.mkdir(parents=True)
    user = write_config(xdg)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert find_config(None, env, tmp_path) == user
    local = write_config(tmp_path)
    assert find_config(None, env, tmp_path) == local
    named = tmp_path / "named.yaml"
    named.write_text("profiles: {}\n")
    assert find_config(None, {**env, "WHITECLAD_CONFIG": str(named)}, tmp_path) == named
    explicit = tmp_path / "explicit.yaml"
    explicit.write_text("profiles: {}\n")
    assert find_config(explicit, {**env, "WHITECLAD_CONFIG": str(named)}, tmp_path) == explicit
    with pytest.raises(ConfigError, match="from --config"):
        find_config(tmp_path / "missing.yaml", env, tmp_path)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_readable_file_holding_a_secret_is_refused(tmp_path: Path, mode: int) -> None:
    path = write_config(tmp_path, "profiles:\n  p:\n    client_secret: s3cret-value\n", mode)
    with pytest.raises(ConfigError, match=f"chmod 600 {path}") as caught:
        settings(tmp_path, profile="p")
    assert "s3cret-value" not in caught.value.message


def test_a_private_file_may_hold_a_secret(tmp_path: Path) -> None:
    write_config(tmp_path, "profiles:\n  p:\n    client_id: a\n    client_secret: b\n", 0o600)
    assert settings(tmp_path, profile="p").credentials().client_secret == "b"


def test_a_readable_file_without_secrets_is_fine(tmp_path: Path) -> None:
    write_config(tmp_path, mode=0o644)
    assert settings(tmp_path)["mapping"] == "facebook"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profiles:\n  p:\n    batchsize: 3\n", "Additional properties"),
        ("profiles:\n  p:\n    batch_size: many\n", "'many' is not of type 'integer'"),
        ("profiles:\n  p:\n    batch_size: 5000\n", "5000 is greater than the maximum"),
        ("profiles: [1, 2]\n", "is not of type 'object'"),
        ("profiles:\n  p: {mapping: [unclosed\n", "not valid YAML"),
        ("!!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_invalid_config_files(tmp_path: Path, text: str, message: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        settings(tmp_path)


def test_bad_number_in_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="WHITECLAD_BATCH_SIZE='lots' is not a whole number"):
        settings(tmp_path, env={"WHITECLAD_BATCH_SIZE": "lots"})


def test_check_settings_reports_unusable_values(tmp_path: Path) -> None:
    write_config(tmp_path)
    good = settings(tmp_path, env={"ACME_ID": "a", "ACME_SECRET": "b"})
    assert check_settings(good) == []
    bad = settings(
        tmp_path, {"mapping": "nope", "region": "XX", "base_url": "ftp://x"}, {"ACME_ID": "a"}
    )
    problems = check_settings(bad)
    assert [problem.split(" ")[0] for problem in problems] == [
        "base_url", "mapping", "region", "no"
    ]  # fmt: skip
    assert "(command line)" in problems[0]


def test_origin_names_the_option_the_variable_or_the_profile(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    found = settings(tmp_path, {"campaign": "X"}, {"WHITECLAD_BATCH_SIZE": "5"})
    assert found.origin("campaign") == "--campaign"
    assert found.origin("batch_size") == "WHITECLAD_BATCH_SIZE"
    assert found.origin("region") == f"profile 'nightly' in {path}: region"
    assert found.origin("notify_url") == "notify_url"


def test_infer_time_zone_is_read_as_true_or_false(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert load_settings({}, env=env)["infer_time_zone"] is True
    assert (
        load_settings({}, env={**env, "WHITECLAD_INFER_TIME_ZONE": "false"})["infer_time_zone"]
        is False
    )
    with pytest.raises(ConfigError, match="WHITECLAD_INFER_TIME_ZONE='maybe' is not true or false"):
        load_settings({}, env={**env, "WHITECLAD_INFER_TIME_ZONE": "maybe"})


RETRY_CONFIG = """\
profiles:
  patient:
    max_retries: 40
    retry_backoff: 2s
    retry_max_backoff: 2m
    retry_patience: 10m
  quick:
    retry_patience: 45
  wrong:
    retry_patience: ten minutes
"""


def test_the_retry_policy_comes_from_the_profile(tmp_path: Path) -> None:
    write_config(tmp_path, RETRY_CONFIG)
    policy = retry_policy(settings(tmp_path, profile="patient"))
    assert policy == RetryPolicy(attempts=41, backoff=2.0, max_backoff=120.0, patience=600.0)
    assert retry_policy(settings(tmp_path, profile="quick")) == RetryPolicy(patience=45.0)
    assert retry_policy(settings(tmp_path)) == RetryPolicy()


def test_the_command_line_and_the_environment_beat_the_profiles_retry_settings(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, RETRY_CONFIG)
    found = settings(tmp_path, retry_given(max_retries=2, patience="30s"), profile="patient",
                     env={"WHITECLAD_RETRY_BACKOFF": "0.5"})  # fmt: skip
    assert retry_policy(found) == RetryPolicy(attempts=3, backoff=0.5, max_backoff=120.0,
                                              patience=30.0)  # fmt: skip
    assert found.sources["retry_patience"] == "command line"
    assert found.sources["retry_backoff"] == "environment WHITECLAD_RETRY_BACKOFF"


def test_a_retry_setting_that_cannot_be_read_says_where_it_is(tmp_path: Path) -> None:
    path = write_config(tmp_path, RETRY_CONFIG)
    with pytest.raises(ConfigError, match=f"profile 'wrong' in {path}: retry_patience: 'ten"):
        settings(tmp_path, profile="wrong")
    with pytest.raises(ConfigError, match="WHITECLAD_RETRY_PATIENCE: 'soon' is not a duration"):
        settings(tmp_path, env={"WHITECLAD_RETRY_PATIENCE": "soon"})
    with pytest.raises(ConfigError, match="--retry-patience: 'x' is not a duration"):
        retry_given(patience="x")


def test_folder_problem_says_what_to_do(tmp_path: Path) -> None:
    from importer.config import folder_problem

    assert folder_problem(tmp_path) is None
    assert folder_problem(tmp_path / "new" / "deeper") is None  # made on first use
    missing = folder_problem(tmp_path / "inbox", must_exist=True)
    assert missing is not None and f"mkdir -p {tmp_path / 'inbox'}" in missing
    (tmp_path / "file").write_text("", encoding="utf-8")
    not_folder = folder_problem(tmp_path / "file")
    assert not_folder is not None and "is not a folder" in not_folder


def test_notify_settings_are_read_or_refused() -> None:
    from importer.config import parse_notify_on, parse_rejected_over

    assert parse_notify_on(None) == "failures" and parse_notify_on("Always") == "always"
    assert parse_rejected_over("5%") == (5.0, True)
    assert parse_rejected_over(20) == (20.0, False)
    for bad in ("5.5", "-1", "120%", "lots", "nan%"):
        with pytest.raises(ConfigError, match="neither a count"):
            parse_rejected_over(bad)
    with pytest.raises(ConfigError, match="failures, always, never"):
        parse_notify_on("sometimes")
