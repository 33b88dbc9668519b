# Shared helpers of the CPython twins of tests/fidelity_test.ts: each twin
# runs its programs on CPython 3.11.7 asyncio and prints their logs as JSON,
# the expected values the TypeScript tests hold.
import asyncio
import json

log = []


def fmt(e):
    """A CancelledError as C(message), any other error as its message."""
    if isinstance(e, asyncio.CancelledError):
        return f"C({e.args[0] if e.args else ''})"
    return str(e)


def run_logged(main):
    """asyncio.run(main()) and the log it left, ending with run=<result>."""
    log.clear()
    try:
        log.append(f"run={asyncio.run(main())}")
    except BaseException as e:
        log.append(f"run!{fmt(e)}")
    return list(log)


def emit(**programs):
    print(json.dumps({name: run_logged(main) for name, main in programs.items()}, indent=1))
