# CPython twin of "1. a task resumed from a future that failed with a
# CancelledError keeps that error" in tests/fidelity_test.ts (issue 10).
# Run: python3 tests/fidelity/cancelled_error_kept.py (CPython 3.11.7).
import asyncio
from _log import emit, fmt, log


async def minimal():
    async def t1():
        return "t1"

    a = asyncio.create_task(t1(), name="t1")
    a.cancel("m6")

    async def t3():
        try:
            await asyncio.gather(a)
        except BaseException as e:
            log.append(f"t3:gather={fmt(e)}")
        return "t3"

    asyncio.create_task(t3(), name="t3")
    return "main"  # run() then cancels t3 at shutdown


async def variant():
    async def t1():
        return "t1"

    async def t2():
        return "t2"

    a = asyncio.create_task(t1(), name="t1")
    a.cancel("m6")
    b = asyncio.create_task(t2(), name="t2")
    b.cancel("m7")

    async def t3():
        try:
            await asyncio.gather(a, b)
        except BaseException as e:
            log.append(f"t3:gather={fmt(e)}")
        return "t3"

    async def t4():
        try:
            await asyncio.gather(b)
        except BaseException as e:
            log.append(f"t4:gather={fmt(e)}")
        await asyncio.sleep(0)
        log.append("t4:after")
        return "t4"

    asyncio.create_task(t3(), name="t3")
    asyncio.create_task(t4(), name="t4")
    return "main"


emit(minimal=minimal, variant=variant)
