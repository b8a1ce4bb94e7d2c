"""Which numbers are called: each phone type rejected, warned about or passed."""

from __future__ import annotations

import marshal
from collections.abc import Callable
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.config import load_settings
from importer.errors import ConfigError
from importer.mapping import load_mapping
from importer.normalize import Phone, normalize_phone, phone_type
from importer.phonepolicy import PHONE_TYPES, WARNED_TYPES, PhonePolicy, check_phone_types
from importer.phonepolicy import is_fictional as fictional
from importer.problems import Problem
from importer.validation import _plain, _result

from .helpers import CliResult, read_report, read_summary, write_csv

#: A number of each type, from the numbering plan's own examples.
EXAMPLES = {
    "fixed_line": ("DE", phonenumbers.PhoneNumberType.FIXED_LINE),
    "mobile": ("GB", phonenumbers.PhoneNumberType.MOBILE),
    "fixed_line_or_mobile": ("CA", phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "toll_free": ("US", phonenumbers.PhoneNumberType.TOLL_FREE),
    "premium_rate": ("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE),
    "shared_cost": ("AT", phonenumbers.PhoneNumberType.SHARED_COST),
    "voip": ("GB", phonenumbers.PhoneNumberType.VOIP),
    "personal_number": ("GB", phonenumbers.PhoneNumberType.PERSONAL_NUMBER),
    "pager": ("GB", phonenumbers.PhoneNumberType.PAGER),
    "uan": ("GB", phonenumbers.PhoneNumberType.UAN),
    "voicemail": ("CH", phonenumbers.PhoneNumberType.VOICEMAIL),
}


def _example(kind: str) -> str:
    region, number_type = EXAMPLES[kind]
    number = phonenumbers.example_number_for_type(region, number_type)
    assert number is not None, kind
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert phone_type(e164) == kind and not fictional(e164), (kind, e164)
    return e164


def _checked(e164: str, policy: PhonePolicy | None = None) -> Phone | Problem:
    found = normalize_phone(e164)
    assert isinstance(found, Phone), e164
    return (policy or PhonePolicy()).check(found)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_type_is_rejected_warned_or_passed_by_default(kind: str) -> None:
    e164 = _example(kind)
    result = _checked(e164)
    if kind == "premium_rate":
        assert isinstance(result, Problem)
        assert result.code == "phone_premium_rate" and "costs money" in result.message
        return
    assert isinstance(result, Phone) and result.kind == kind and result.e164 == e164
    if kind in WARNED_TYPES:
        assert result.notice is not None and result.notice.code == f"phone_{kind}"
        assert PHONE_TYPES[kind] in result.notice.message
    else:
        assert result.notice is None


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_type_can_be_rejected(kind: str) -> None:
    result = _checked(_example(kind), PhonePolicy(frozenset({kind})))
    assert isinstance(result, Problem)
    if kind != "premium_rate":  # always rejected, with its own code
        assert result.code == "phone_type_rejected"
        assert f"--reject-phone-type {kind}" in result.message


@pytest.mark.parametrize(
    "e164",
    ["+14155550100", "+12125550199", "+442079460123", "+441134960999", "+447700900123"],
)
def test_fictional_numbers_are_a_warning_or_rejected_when_asked(e164: str) -> None:
    assert fictional(e164)
    if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
        result = _checked(e164)
        assert isinstance(result, Phone) and result.notice is not None
        assert result.notice.code == "phone_fictional"
        rejected = _checked(e164, PhonePolicy(frozenset({"fictional"})))
        assert isinstance(rejected, Problem) and rejected.code == "phone_type_rejected"
    else:  # the plan itself calls 07700 900xxx invalid: rejected before any policy
        assert isinstance(normalize_phone(e164), Problem)


@given(line=st.integers(min_value=0, max_value=9999), area=st.sampled_from(["212", "415", "907"]))
def test_only_555_0100_to_0199_is_fictional_in_north_america(line: int, area: str) -> None:
    assert fictional(f"+1{area}555{line:04d}") == (100 <= line <= 199)
    assert not fictional(f"+1{area}556{line:04d}")


def test_a_judged_phone_crosses_processes_with_its_type_and_warnings() -> None:
    for raw, region in [("447911123456", "US"), ("+18005550123", None), ("(415) 555-0123", "US"),
                        ("+19005550123", None)]:  # fmt: skip
        found = normalize_phone(raw, region)
        judged = PhonePolicy().check(found) if isinstance(found, Phone) else found
        back = _result(marshal.loads(marshal.dumps(_plain(judged))))
        assert back == judged and _plain(back) == _plain(judged)  # its type too


def test_unknown_type_names_are_refused_with_the_list() -> None:
    assert check_phone_types("toll_free, voip") == {"toll_free", "voip"}
    assert check_phone_types(["Toll-Free"]) == {"toll_free"}
    with pytest.raises(ValueError, match="premium is not a phone type; use one of fixed_line"):
        check_phone_types(["premium"])


def test_the_setting_comes_from_the_environment_or_a_profile(tmp_path: Path) -> None:
    env = {"WHITECLAD_REJECT_PHONE_TYPES": "toll_free,voip", "HOME": str(tmp_path)}
    settings = load_settings({}, env=env)
    assert settings["reject_phone_types"] == {"toll_free", "voip"}
    with pytest.raises(ConfigError, match="WHITECLAD_REJECT_PHONE_TYPES: cell is not a phone"):
        load_settings({}, env={**env, "WHITECLAD_REJECT_PHONE_TYPES": "cell"})
    config = tmp_path / "whiteclad.yaml"
    config.write_text("profiles:\n  p:\n    reject_phone_types: [pager]\n")
    found = load_settings({}, config=config, profile="p", env={"HOME": str(tmp_path)})
    assert found["reject_phone_types"] == {"pager"}


def test_a_mapping_names_types_to_reject(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("fields:\n  phone: phone\nreject_phone_types: [toll_free]\n")
    assert load_mapping(path).reject_phone_types == {"toll_free"}
    path.write_text("fields:\n  phone: phone\nreject_phone_types: [cell]\n")
    with pytest.raises(Exception, match="reject_phone_types"):
        load_mapping(path)


def test_an_import_rejects_what_the_command_line_and_the_mapping_name(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    toll_free, voip, premium = _example("toll_free"), _example("voip"), _example("premium_rate")
    source = write_csv(tmp_path / "leads.csv", [
        ["phone", "other", "first_name"],
        [premium, "", "Premium"],
        [premium, "+14155552671", "Premium, with a second number"],
        [toll_free, "", "Toll free"],
        [voip, "", "VoIP"],
        ["+14155550123", "", "Fictional"],
    ])  # fmt: skip
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: {columns: [phone, other]}\n  firstName: first_name\n"
        "reject_phone_types: [voip]\n"
    )
    out = tmp_path / "out"
    done = run_cli(source, "-m", mapping, "--dry-run", "--out", out,
                   "--reject-phone-type", "toll_free")  # fmt: skip
    assert done.exit_code == 1, done.stderr
    accepted = {row["first_name"]: row for row in read_report(out / "accepted.csv")}
    rejected = {row["first_name"]: row for row in read_report(out / "rejected.csv")}
    assert {name: row["error_codes"] for name, row in rejected.items()} == {
        "Premium": "phone_premium_rate",
        "Toll free": "phone_type_rejected",
        "VoIP": "phone_type_rejected",
    }
    # A rejected type is no number: the row's next number is called instead.
    assert accepted["Premium, with a second number"]["phone_e164"] == "+14155552671"
    assert "phone_fictional" not in accepted["Fictional"]["warnings"]
    assert "fictional number" in accepted["Fictional"]["warnings"]
    summary = read_summary(out)
    assert summary["rejection_reasons"] == {"phone_premium_rate": 1, "phone_type_rejected": 2}
    types = {name: row["phone_type"] for name, row in accepted.items()}
    assert types == {"Premium, with a second number": "fixed_line_or_mobile",
                     "Fictional": "fixed_line_or_mobile"}  # fmt: skip

    # Sent: the reports come from the ledger, with the same types; nothing rejected arrives.
    sent = tmp_path / "sent"
    done = run_cli(source, "-m", mapping, "--sandbox", "--campaign", "Spring Promo 2026",
                   "--out", sent, "--reject-phone-type", "toll_free")  # fmt: skip
    assert done.exit_code == 1, done.stderr
    assert {
        row["first_name"]: row["phone_type"] for row in read_report(sent / "accepted.csv")
    } == types
    assert read_report(sent / "rejected.csv") == read_report(out / "rejected.csv")


def test_a_mobile_and_a_fixed_line_are_named_in_accepted_csv(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    mobile, fixed = _example("mobile"), _example("fixed_line")
    source = write_csv(tmp_path / "leads.csv", [["phone"], [mobile], [fixed]])
    done = run_cli(source, "-m", "generic", "--dry-run", "--out", tmp_path / "out")
    assert done.exit_code == 0, done.stderr
    rows = read_report(tmp_path / "out" / "accepted.csv")
    assert [(row["phone_e164"], row["phone_type"], row["warnings"]) for row in rows] == [
        (mobile, "mobile", ""), (fixed, "fixed_line", "")
    ]  # fmt: skip
