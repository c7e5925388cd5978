"""The one module that touches durable-rules. See docs/durable-rules.md for what was verified,
and docs/reliability.md for the guarantees built on it.

Safe pattern: a Host subclass with its background timers switched off; facts (not events) so every
matching rule fires; a discriminator term on every rule so the state itself never matches; a
catch-all rule so every assertion fires at least one action; one sid per ruleset, reused, with the
fact retracted after each evaluation (no state is ever created per call or deleted); one process-wide
lock around every call into the C core, which is not thread-safe and never releases the GIL.

Reliability: the C core never frees a Host, so one Host is kept per distinct compiled content and
reused by every rulebase loaded with that content (loading the same rules a thousand times costs
one Host). An evaluation that does not finish cleanly (an exception, a KeyboardInterrupt at any
instant, a fork while another thread was inside) leaves its Host marked unclean; the next call
retracts nothing blindly but rebuilds a fresh Host. The lock is reset in a fork child.
"""

from __future__ import annotations

import copy
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import EngineError
from engine.locks import after_fork_in_child

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

# The C core keeps global tables shared by every Host, so one lock serves them all. It also
# guards _ENGINES. A plain threading.Lock: see engine/locks.py for why.
_ENGINE_LOCK = threading.Lock()


def _reset_in_fork_child() -> None:
    # Another parent thread may have held the lock at the fork; it does not exist in the child.
    # An engine it was using is left unclean (see _Engine.clean) and is rebuilt on first use.
    global _ENGINE_LOCK
    _ENGINE_LOCK = threading.Lock()


after_fork_in_child(_reset_in_fork_child)


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host whose actions record the rule name, and with no background timer threads."""

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        # durable-rules swallows any exception raised inside an action (KeyboardInterrupt
        # included) and stores its text in the state: keep it, to raise it after the call.
        self.swallowed: BaseException | None = None
        super().__init__()

    def _run(self) -> None:
        # The stock Host starts two self-rescheduling timers that call into the C core and can
        # run actions after our call returned. We dispatch nothing asynchronously.
        return None

    def get_action(self, action_name: str) -> Callable[[object], None]:
        def record_firing(_context: object) -> None:
            try:
                self._record(action_name)
            except BaseException as error:
                self.swallowed = error

        return record_firing


class _Engine:
    """One Host with the rulesets registered, shared by every matcher of the same content.
    Every method is called with _ENGINE_LOCK held."""

    def __init__(self, definitions: dict[str, dict[str, Any]]) -> None:
        self._definitions = definitions
        self._fired: list[str] = []
        self._host = self._new_host()
        # False from the moment a fact is asserted until its retraction is confirmed: whatever
        # interrupts an evaluation leaves it False, and the next evaluation starts afresh.
        self.clean = True
        self.rebuilds = 0

    def _new_host(self) -> _QuietHost:
        # durable-rules logs a traceback for any exception inside an action, KeyboardInterrupt
        # included, before passing it on to us: the exception is ours to report, not its log's.
        durable_engine.logger.disabled = True
        host = _QuietHost(self._fired.append)
        # set_rulesets deletes each rule's "run" key: hand it a private copy.
        host.set_rulesets(copy.deepcopy(self._definitions))
        return host

    def evaluate(self, ruleset: str, message: dict[str, str]) -> frozenset[str]:
        if not self.clean:
            # The old Host may hold the fact or an unfinished action; its memory is lost to the
            # C core, which is the price of an interrupted call, not of every call.
            self._host = self._new_host()
            self.rebuilds += 1
            self.clean = True
        self.clean = False
        self._fired.clear()
        try:
            self._host.assert_fact(ruleset, message)
            fired = frozenset(self._fired)
            if self._host.swallowed is not None:
                raise self._host.swallowed
            self._host.retract_fact(ruleset, message)
            # Only a state confirmed empty, with no exception recorded by an action, is reused.
            # After a failure the Host is not touched again: retracting from a state whose
            # action was interrupted crashes the C core (verified: segmentation fault), so the
            # next call rebuilds instead.
            self.clean = not self._host.get_facts(ruleset, _SID) and (
                "exception" not in self._host.get_state(ruleset, _SID)
            )
        finally:
            self._fired.clear()
        if not self.clean:
            raise EngineError(
                f"durable-rules left the state of ruleset {ruleset!r} unclean",
                "An action was interrupted; the engine is rebuilt for the next call.",
            )
        if _CATCH_ALL not in fired:
            self.clean = False
            raise EngineError(
                f"durable-rules fired no catch-all on ruleset {ruleset!r}",
                "The engine's state was inconsistent; it is rebuilt for the next call.",
            )
        return fired


# One engine per distinct compiled content, for the life of the process (see the docstring).
_ENGINES: dict[str, _Engine] = {}


class DurableMatcher:
    """Registers named match expressions as durable-rules rulesets and reports which fire."""

    def __init__(self, rulesets: Mapping[str, Mapping[str, Expression | None]]) -> None:
        self._rule_names = {name: frozenset(rules) for name, rules in rulesets.items()}
        definitions = {
            ruleset: {
                **{rule: _durable_rule(rule, expression) for rule, expression in rules.items()},
                _CATCH_ALL: _durable_rule(_CATCH_ALL, None),
            }
            for ruleset, rules in rulesets.items()
        }
        key = repr(definitions)
        with _ENGINE_LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                try:
                    engine = _Engine(definitions)
                except Exception as error:
                    raise EngineError(
                        f"durable-rules refused the compiled rulesets: {error}",
                        "The rules passed the loader's checks of the engine's limits, so those "
                        "checks have a gap: please report it with the rules directory.",
                    ) from error
                _ENGINES[key] = engine
        self._engine = engine

    def fired(self, ruleset: str, fact: Mapping[str, str]) -> frozenset[str]:
        """Names of the rules of `ruleset` whose expression matches `fact` (a complete profile)."""
        names = self._rule_names.get(ruleset)
        if names is None:
            raise EngineError(
                f"no ruleset {ruleset!r} is registered",
                f"Registered: {', '.join(sorted(self._rule_names))}.",
            )
        message = {**fact, **_DISCRIMINATOR, "sid": _SID}
        with _ENGINE_LOCK:
            try:
                fired = self._engine.evaluate(ruleset, message)
            except EngineError:
                raise
            except Exception as error:
                raise EngineError(
                    f"durable-rules failed on ruleset {ruleset!r}: {error.__class__.__name__}: "
                    f"{error}",
                    "The rulebase cannot be evaluated for this profile; please report it.",
                ) from error
        return fired & names


def engine_count() -> int:
    """How many distinct Hosts this process holds (for the memory tests)."""
    with _ENGINE_LOCK:
        return len(_ENGINES)


def _durable_rule(name: str, expression: Expression | None) -> dict[str, Any]:
    terms = [_DISCRIMINATOR] if expression is None else [_DISCRIMINATOR, expression]
    return {"all": [{"m": {"$and": terms}}], "run": name}
