"""The unified social credit code (GB 32100-2015): 18 characters, the last a check character."""

import pytest
from django.core.exceptions import ValidationError

from core.credit_code import check_character, normalize_credit_code, validate_credit_code
from enterprises import services
from enterprises.models import Enterprise

# A real, published code (Geely Holding Group) and its check character.
GEELY_HOLDING = "91330000747735638J"


def test_published_code_is_valid():
    validate_credit_code(GEELY_HOLDING)
    assert check_character(GEELY_HOLDING[:17]) == "J"


def test_wrong_check_character_is_rejected_with_a_chinese_hint():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(GEELY_HOLDING[:17] + "K")
    assert exc.value.code == "credit_code_check"


@pytest.mark.parametrize("code", [GEELY_HOLDING[:17], GEELY_HOLDING + "0", "", "9133"])
def test_wrong_length_is_rejected(code):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == "credit_code_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_never_used_in_codes_are_rejected(letter):
    code = GEELY_HOLDING[:5] + letter + GEELY_HOLDING[6:]
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == "credit_code_chars"


def test_full_width_and_lower_case_input_with_spaces_is_accepted_and_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GEELY_HOLDING.lower())
    pasted = full_width[:6] + "\u3000" + full_width[6:] + " "
    validate_credit_code(pasted)
    assert normalize_credit_code(pasted) == GEELY_HOLDING


def test_service_stores_the_normalised_code(make_enterprise):
    e = make_enterprise("浙江吉利控股集团有限公司", credit_code=" " + GEELY_HOLDING.lower())
    assert e.credit_code == GEELY_HOLDING


def test_service_refuses_a_bad_code_and_saves_nothing(reference_data):
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(name="某公司", credit_code=GEELY_HOLDING[:17] + "0")
    assert "credit_code" in exc.value.message_dict
    assert not Enterprise.all_objects.exists()


def test_a_credit_code_belongs_to_one_enterprise_even_a_deleted_one(make_enterprise):
    first = make_enterprise("浙江吉利控股集团有限公司", credit_code=GEELY_HOLDING)
    services.enterprise_delete(enterprise=first)
    with pytest.raises(ValidationError) as exc:
        make_enterprise("吉利控股", credit_code=GEELY_HOLDING)
    assert "浙江吉利控股集团有限公司" in exc.value.message_dict["credit_code"][0]
