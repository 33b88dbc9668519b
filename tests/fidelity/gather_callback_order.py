# CPython twin of "2. gather() attaches each child's done callback as it
# goes, in argument order" in tests/fidelity_test.ts (issue 10).
# Run: python3 tests/fidelity/gather_callback_order.py (CPython 3.11.7).
import asyncio
from _log import emit, fmt, log


async def minimal():
    async def t1():
        raise Exception("boom1")

    a = asyncio.create_task(t1(), name="t1")
    await asyncio.sleep(0)

    async def g1():
        await asyncio.sleep(0)
        log.append("g1:s0")
        return "g1"

    try:
        await asyncio.gather(a, g1())
    except BaseException as e:
        log.append(f"main:gather={fmt(e)}")
    return "main"


async def variant():
    async def t1():
        raise Exception("boom1")

    async def t2():
        raise Exception("boom2")

    a = asyncio.create_task(t1(), name="t1")
    b = asyncio.create_task(t2(), name="t2")
    await asyncio.sleep(0)

    async def g1():
        await asyncio.sleep(0)
        log.append("g1:s0")
        return "g1"

    async def g2():
        log.append("g2:start")
        await asyncio.sleep(0)
        log.append("g2:s0")
        return "g2"

    try:
        await asyncio.gather(a, g1(), b, g2())
    except BaseException as e:
        log.append(f"main:gather={fmt(e)}")
    return "main"


emit(minimal=minimal, variant=variant)
