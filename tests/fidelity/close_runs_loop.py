# CPython twin of "3. Runner.close() runs the loop as CPython's does" in
# tests/fidelity_test.ts (issue 10): close() runs
# run_until_complete(shutdown_asyncgens()) and then
# run_until_complete(shutdown_default_executor()) even with nothing to shut
# down, two loop iterations each.
# Run: python3 tests/fidelity/close_runs_loop.py (CPython 3.11.7).
import asyncio
from _log import emit, log


async def minimal():
    async def t1():
        asyncio.get_running_loop().call_soon(lambda: log.append("cb:cb1"))
        log.append("t1:soon cb1")
        return "t1"

    asyncio.create_task(t1(), name="t1")
    return "main"


async def variant():
    loop = asyncio.get_running_loop()

    async def t1():
        loop.call_soon(lambda: log.append("cb:cb1"))
        log.append("t1:soon cb1")
        return "t1"

    async def spin():
        for i in range(20):
            log.append(f"spin:{i}")
            await asyncio.sleep(0)

    async def t2():
        try:
            await asyncio.sleep(1000)
        except asyncio.CancelledError:
            log.append("t2:cancelled")
            asyncio.create_task(spin(), name="spin")
            raise

    def chain(n):
        log.append(f"cb:chain{n}")
        if n < 12:
            loop.call_soon(chain, n + 1)

    async def t3():
        loop.call_soon(chain, 0)
        return "t3"

    asyncio.create_task(t1(), name="t1")
    asyncio.create_task(t2(), name="t2")
    asyncio.create_task(t3(), name="t3")
    return "main"


emit(minimal=minimal, variant=variant)
