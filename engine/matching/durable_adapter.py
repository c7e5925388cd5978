"""The one module that touches durable-rules. See docs/durable-rules.md for what was verified.

Safe pattern: a Host subclass with its background timers switched off; facts (not events) so every
matching rule fires; a discriminator term on every rule so the state itself never matches; a
catch-all rule so every assertion fires at least one action; one sid per ruleset, reused, with the
fact retracted after each evaluation (no state is ever created per call or deleted); one process-wide
lock around every call into the C core, which is not thread-safe and never releases the GIL.
"""

from __future__ import annotations

import copy
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import EngineError

# durable-rules 2.0.28 calls datetime.utcfromtimestamp (deprecated since 3.12) on every engine
# call; the warning is theirs, not ours to fix. Only that message, only from durable.engine.
warnings.filterwarnings(
    "ignore",
    message=r"datetime\.datetime\.utcfromtimestamp\(\) is deprecated",
    category=DeprecationWarning,
    module=r"durable\.engine\Z",
)
try:
    from durable import engine as durable_engine
except ImportError as error:
    # Python 3.13 removed PyEval_CallObject; a durable-rules built without the define cannot load.
    if "PyEval_CallObject" not in str(error):
        raise
    raise EngineError(
        f"durable-rules was built without the fix Python {sys.version_info[0]}."
        f"{sys.version_info[1]} needs (undefined symbol PyEval_CallObject)",
        "Rebuild it with: CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)' "
        f"{sys.executable} -m pip install --no-cache-dir --force-reinstall --no-deps "
        "durable-rules==2.0.28",
    ) from None

Expression = dict[str, Any]

_CATCH_ALL = "__catch_all__"
_SID = "pathway"
_DISCRIMINATOR = {"kind": "profile"}

# The C core keeps global tables shared by every Host, so one lock serves them all.
_ENGINE_LOCK = threading.Lock()


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host whose actions record the rule name, and with no background timer threads."""

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        super().__init__()

    def _run(self) -> None:
        # The stock Host starts two self-rescheduling timers that call into the C core and can
        # run actions after our call returned. We dispatch nothing asynchronously.
        return None

    def get_action(self, action_name: str) -> Callable[[object], None]:
        def record_firing(_context: object) -> None:
            self._record(action_name)

        return record_firing


class DurableMatcher:
    """Registers named match expressions as durable-rules rulesets and reports which fire."""

    def __init__(self, rulesets: Mapping[str, Mapping[str, Expression | None]]) -> None:
        self._fired: list[str] = []
        self._rule_names = {name: frozenset(rules) for name, rules in rulesets.items()}
        definitions = {
            ruleset: {
                **{rule: _durable_rule(rule, expression) for rule, expression in rules.items()},
                _CATCH_ALL: _durable_rule(_CATCH_ALL, None),
            }
            for ruleset, rules in rulesets.items()
        }
        with _ENGINE_LOCK:
            try:
                self._host = _QuietHost(self._fired.append)
                # set_rulesets deletes each rule's "run" key: hand it a private copy.
                self._host.set_rulesets(copy.deepcopy(definitions))
            except Exception as error:
                raise EngineError(
                    f"durable-rules refused the compiled rulesets: {error}",
                    "This is a bug in the compiler; please report it with the rules directory.",
                ) from error

    def fired(self, ruleset: str, fact: Mapping[str, str]) -> frozenset[str]:
        """Names of the rules of `ruleset` whose expression matches `fact` (a complete profile)."""
        message = {**fact, **_DISCRIMINATOR, "sid": _SID}
        with _ENGINE_LOCK:
            self._fired.clear()
            try:
                self._host.assert_fact(ruleset, message)
                fired = frozenset(self._fired)
                self._host.retract_fact(ruleset, message)
            except Exception as error:
                raise EngineError(
                    f"durable-rules failed on ruleset {ruleset!r}: {error.__class__.__name__}: {error}",
                    "The rulebase cannot be evaluated for this profile; please report it.",
                ) from error
            finally:
                self._fired.clear()
        if _CATCH_ALL not in fired:
            raise EngineError(
                f"durable-rules fired no catch-all on ruleset {ruleset!r}",
                "The engine's state is inconsistent; please report it.",
            )
        return fired & self._rule_names[ruleset]


def _durable_rule(name: str, expression: Expression | None) -> dict[str, Any]:
    terms = [_DISCRIMINATOR] if expression is None else [_DISCRIMINATOR, expression]
    return {"all": [{"m": {"$and": terms}}], "run": name}
