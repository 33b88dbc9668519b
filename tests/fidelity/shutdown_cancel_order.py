# CPython twin of "4. leftover tasks are cancelled in creation order" in
# tests/fidelity_test.ts (issue 10). Runner.close() cancels what all_tasks()
# returns, in its iteration order. CPython's all_tasks() is a set ordered by
# object hash, an order it does not promise; @x/runner lists tasks in
# creation order. So each program runs twice: "cpython" as it is, and
# "creation_order" with all_tasks() returning the same tasks in creation
# order (recorded by a task factory). The tests expect "creation_order";
# nothing else is changed.
# Run: python3 tests/fidelity/shutdown_cancel_order.py (CPython 3.11.7).
import asyncio
import json

import _log
from _log import fmt, log


async def waiter(name):
    try:
        await asyncio.sleep(1000)
    except asyncio.CancelledError as e:
        log.append(f"{name}:{fmt(e)}")
        raise


async def minimal():
    asyncio.current_task().set_name("main")
    asyncio.create_task(waiter("t1"), name="t1")
    asyncio.create_task(waiter("t2"), name="t2")
    await asyncio.sleep(0)
    log.append("all=" + ",".join(t.get_name() for t in asyncio.all_tasks()))
    return "main"


async def variant():
    asyncio.current_task().set_name("main")
    asyncio.create_task(waiter("t1"), name="t1")
    asyncio.create_task(waiter("t2"), name="t2")
    await asyncio.sleep(0)

    async def t3():
        try:
            await asyncio.sleep(1000)
        except asyncio.CancelledError:
            log.append("t3:cancelled")
        return "t3"

    asyncio.create_task(t3(), name="t3")
    asyncio.create_task(waiter("t4"), name="t4")
    await asyncio.sleep(0)
    log.append("all=" + ",".join(t.get_name() for t in asyncio.all_tasks()))
    return "main"


def run_in_creation_order(main):
    created = []
    plain_all_tasks = asyncio.tasks.all_tasks

    def factory(loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=loop, **kwargs)
        created.append(task)
        return task

    def loop_factory():
        loop = asyncio.new_event_loop()
        loop.set_task_factory(factory)
        return loop

    def ordered_all_tasks(loop=None):
        loop = loop or asyncio.get_running_loop()
        live = plain_all_tasks(loop)  # the same tasks, in creation order
        return [t for t in created if t in live]

    asyncio.tasks.all_tasks = asyncio.all_tasks = ordered_all_tasks
    log.clear()
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            result = runner.run(main())
        log.append(f"run={result}")  # as run_logged: after close()
    finally:
        asyncio.tasks.all_tasks = asyncio.all_tasks = plain_all_tasks
    return list(log)


print(json.dumps({
    "cpython": {"minimal": _log.run_logged(minimal), "variant": _log.run_logged(variant)},
    "creation_order": {
        "minimal": run_in_creation_order(minimal),
        "variant": run_in_creation_order(variant),
    },
}, indent=1))
