"""Racing threads for the PostgreSQL concurrency tests: what two clerks or workers do at the
same moment."""

import threading

from django.db import close_old_connections, connection


def run_together(count, work):
    """Run ``work(index)`` for index 0…count-1 in threads released together by a barrier;
    return (results, errors) — each thread's return value or the exception it raised. Every
    thread closes its own database connection when done."""
    errors, results = [], []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
