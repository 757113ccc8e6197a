"""ganeti.errors: errors survive the trip across process boundaries."""

from ganeti import errors


def test_encode_decode_round_trip():
    err = errors.OpPrereqError("Instance x not known", errors.ECODE_NOENT)
    again = errors.DecodeException(errors.EncodeException(err))
    assert type(again) is errors.OpPrereqError
    assert again.args == ("Instance x not known", errors.ECODE_NOENT)
    assert errors.GetErrorCode(again) == errors.ECODE_NOENT


def test_foreign_exceptions_become_generic():
    name, args = errors.EncodeException(ValueError("bad"))
    assert name == "GenericError" and args == ["bad"]


def test_decode_rejects_junk():
    for junk in (None, 5, ["NoSuchError", []], ["OpPrereqError", "x"], ["object", []]):
        assert errors.DecodeException(junk) is None


def test_format_error():
    text = errors.FormatError(errors.OpPrereqError("bad input", errors.ECODE_INVAL))
    assert "prerequisites not met" in text and "bad input" in text


def test_format_hooks_abort_names_node_and_script():
    err = errors.HooksAbort([("node2.example.com", "10-check", "disk full\n")])
    text = errors.FormatError(err)
    assert text.startswith("Failure: hook(s) failed, aborting:")
    assert "node node2.example.com, script 10-check: disk full" in text
