from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from importer.encodings import judge, misdecoded, odd_words

#: Letters of names in the languages Western and Central European files hold.
NAME_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHJKLMNOPRSTUVWZ" + "éèêëàâäáíóöüúñçßøåłńśźżąęčřšžý"
names = st.text(alphabet=NAME_LETTERS, min_size=1, max_size=20)


@given(names, st.sampled_from(["cp1252", "latin-1"]))
def test_a_name_read_from_utf8_as_cp1252_is_recognised_and_given_back(
    name: str, read_as: str
) -> None:
    try:
        garbled = name.encode("utf-8").decode(read_as)
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined
        assume(False)
        return
    if name.isascii():
        assert misdecoded(garbled) is None
        return
    assert misdecoded(garbled) == name


@given(names)
def test_a_right_name_is_never_taken_for_a_mis_decoded_one(name: str) -> None:
    assert misdecoded(name) is None


def test_odd_words_are_those_a_wrong_reading_makes() -> None:
    assert odd_words("£ukasz Wi¶niewski, Anna") == ["£ukasz", "Wi¶niewski"]
    assert odd_words("JosŽ, José, O\u2019Brien") == ["JosŽ"]
    assert odd_words("Ďĺňđîâ, Dvořák") == ["Ďĺňđîâ"]


def test_a_sample_too_short_to_tell_names_its_readings() -> None:
    verdict = judge("王伟".encode("gb18030"))
    assert verdict.encoding is None
    assert ("gb18030", "王伟") in verdict.unsure
