import { performance } from 'node:perf_hooks';
import { Counter, type Registry } from 'prom-client';

/**
 * Seconds the main thread spent running JavaScript and callbacks rather than waiting in the event loop
 * (`performance.eventLoopUtilization().active`). Its rate is the main thread's utilization: at 1 the one
 * thread that consumes, decodes and plans is the exhausted resource, whatever the process's CPU says.
 */
export function eventLoopBusy(registers: Registry[], name: string): Counter {
  let counted = performance.eventLoopUtilization().active;
  return new Counter({
    name,
    help: 'Seconds the main thread was busy (event-loop utilization): its rate near 1 means the main thread is the bottleneck.',
    registers,
    collect() {
      const active = performance.eventLoopUtilization().active;
      if (active > counted) this.inc((active - counted) / 1000);
      counted = active;
    },
  });
}
