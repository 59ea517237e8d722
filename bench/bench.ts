/**
 * npm run bench — throughput of the destination against the real broker and the sandbox with Zendesk
 * Enterprise limits (time-scaled), 50–150 ms latency and bulk jobs of 1–4 s of Zendesk time, measured
 * against Zendesk's own ceiling (identify), its request floor (mixed), a decode-only consumer
 * (skip-heavy), one instance (three instances in a group), and a naive baseline, all in the same run;
 * plus a CPU-bound run next to plain kafkajs consume-and-discard. Prints tables, where the time went,
 * and one final line `BENCH {json}`; a full run rewrites the figures of docs/performance.md
 * (BENCH_WRITE_DOC=0 to keep it). Exits non-zero when Zendesk states differ.
 */
import {
  describeInstanceSlots,
  describePermits,
  describeWaves,
  mixedFloor,
  resources,
  steady,
  waves,
  type Resources,
} from './ceiling.js';
import { writePerformanceDoc } from './doc.js';
import {
  compare,
  cpuBound,
  CPU_N,
  fmt,
  IDENTIFY_N,
  MIXED_N,
  table,
  TIME_SCALE,
  type RunResult,
} from './harness.js';
import { ceilingAndScaleOut, SANDBOX_DESCRIPTION, skipHeavyRun } from './runs.js';
import { distinctIdentifies, identifyHeavy, mixed, skipHeavy } from './workloads.js';

const CEILING_N = Number(process.env.BENCH_CEILING_EVENTS ?? 30_000);
const SKIP_N = Number(process.env.BENCH_SKIP_EVENTS ?? 200_000);
const out = (s: string) => process.stdout.write(`${s}\n`);

/** One line per run: what it used of each scarce resource, and of the CPU. */
function usage(r: RunResult, res: Resources = resources(r, TIME_SCALE)): string {
  const mid = steady(r);
  return (
    `${r.label}/${r.mode}: job slots in use mean ${fmt(res.slots.mean)} p90 ${res.slots.p90} max ${res.slots.max} of ${res.slots.of}` +
    ` (${res.jobs} jobs, mean ${fmt(res.meanJobMs, 0)} ms); requests ${fmt(res.requestsPerSec)}/s of ${fmt(res.budgetPerSec)}/s budget;` +
    ` 429s ${fmt(100 * res.share429, 2)} %; CPU ${fmt(r.cpuSeconds / r.seconds, 2)} cores (sandbox ${fmt(r.sandboxCpuSeconds / r.seconds, 2)}),` +
    ` ${fmt((1e6 * r.runCpuSeconds) / r.events, 0)} µs per event in the run; machine ${fmt(r.machine.busyCores, 2)} of ${r.machine.cores} cores busy; main thread busy ${fmt(100 * r.mainThreadBusy, 0)} %; peak RSS ${fmt(r.peakRssMb, 0)} MB (V8 heap used ${fmt(r.peakHeapUsedMb, 0)}, external ${fmt(r.peakExternalMb, 0)});` +
    ` steady (middle 60 %): requests ${fmt(mid.requestsPerSec)}/s (creates ${fmt(mid.createsPerSec)}, polls ${fmt(mid.pollsPerSec)}), job slots ${fmt(mid.slotsMean)}`
  );
}

const t0 = Date.now();
const only = process.env.BENCH_ONLY;
if (only === 'cpu') {
  const cpu = await cpuBound(identifyHeavy(CPU_N, Math.round(CPU_N / 4), 9));
  out(
    `${table([cpu.ours])}\ncpu: ${fmt(cpu.ours.eventsPerSec, 0)} events/s vs plain consume ${fmt(cpu.raw.eventsPerSec, 0)} events/s = ${fmt(cpu.ratio, 3)}`,
  );
  process.exit(0);
}
if (only === 'mixed') {
  const events = mixed(MIXED_N);
  const mix = await compare('mixed', events, 240_000);
  const floor = mixedFloor(events, mix.optimized);
  out(`${table([mix.naive, mix.optimized])}\n${usage(mix.optimized, resources(mix.optimized, TIME_SCALE))}`);
  out(
    `floor ${JSON.stringify(floor)}\n${JSON.stringify(mix.optimized.byEndpoint)}\nstate equal: ${mix.stateEqual}`,
  );
  process.exit(mix.stateEqual ? 0 : 1);
}
if (only === 'ceiling') {
  const c = await ceilingAndScaleOut(distinctIdentifies(CEILING_N), 240_000);
  out(
    `${table([c.single, c.three])}\n${usage(c.single, c.singleResources)}\n${usage(c.three, c.threeResources)}`,
  );
  out(
    `ceiling ${JSON.stringify(c.ceiling)} scale-out ${fmt(c.ratio, 2)} dead ${c.deadLetters} state equal ${c.stateEqual}`,
  );
  out(JSON.stringify(c.single.byEndpoint));
  out(JSON.stringify(c.single.waits));
  out(describePermits(c.single, c.three));
  out(describeWaves('ceiling', waves(c.single)));
  out(describeInstanceSlots('ceiling', c.single));
  // BENCH_TAIL_DEBUG=1: the last 40 requests of the single run, ms before its last outcome (the tail).
  if (process.env.BENCH_TAIL_DEBUG)
    out(
      `TAIL ${JSON.stringify(c.single.requestLog.slice(-40).map((r) => [r.at - c.single.window.to, r.status, r.path.slice(0, 60)]))}`,
    );
  const refused: Record<string, number> = {};
  for (const r of c.three.requestLog.filter((x) => x.status === 429)) {
    const ep = r.path.replace(/\/\d+(?=\/|$)/g, '/{id}').replace(/job_statuses\/[^/?]+/, 'job_statuses/{id}');
    refused[ep] = (refused[ep] ?? 0) + 1;
  }
  out(`scale-out 429s by endpoint: ${JSON.stringify(refused)}`);
  out(`scale-out retries by endpoint and reason: ${JSON.stringify(c.three.retries)}`);
  out(describeWaves('scale-out', waves(c.three)));
  out(`scale-out waits (s): ${JSON.stringify(c.three.waits)}`);
  out(describeInstanceSlots('scale-out', c.three));
  const part = {
    time_scale: TIME_SCALE,
    'identify.ceiling_ratio': c.ceiling.ratio,
    'identify.ceiling_ideal_ratio': c.ceiling.idealRatio,
    'identify.ceiling_run_users_per_sec': c.single.eventsPerSec,
    'scaleout.ratio': c.ratio,
    'scaleout.share_429': c.threeResources.share429,
    'scaleout.dead_letters': c.deadLetters,
    state_equal: c.stateEqual,
    bench_seconds: (Date.now() - t0) / 1000,
  };
  out(`BENCH ${JSON.stringify(part)}`);
  process.exit(c.stateEqual ? 0 : 1);
}
if (only === 'skip') {
  const s = await skipHeavyRun(skipHeavy(SKIP_N), 300_000);
  out(`${table([s.ours])}\n${usage(s.ours, resources(s.ours, TIME_SCALE))}`);
  out(
    `skip: ${fmt(s.ours.eventsPerSec, 0)} vs decode-only ${fmt(s.decode.eventsPerSec, 0)} = ${fmt(s.ratio, 2)}; CPU per event ${fmt((1e6 * s.ours.runCpuSeconds) / s.ours.events, 0)} µs vs decode-only ${fmt(s.decode.cpuUsPerEvent, 0)} µs`,
  );
  out(describeWaves('skip-heavy', waves(s.ours)));
  process.exit(0);
}

const identify = await compare('identify', identifyHeavy(IDENTIFY_N, Math.round(IDENTIFY_N / 4)), 240_000);
const mixedEvents = mixed(MIXED_N);
const mix = await compare('mixed', mixedEvents, 240_000);
const floor = mixedFloor(mixedEvents, mix.optimized);
const ceil = await ceilingAndScaleOut(distinctIdentifies(CEILING_N), 240_000);
const skip = await skipHeavyRun(skipHeavy(SKIP_N), 300_000);
const cpu = await cpuBound(identifyHeavy(CPU_N, Math.round(CPU_N / 4), 9));
const rows = [
  identify.naive,
  identify.optimized,
  mix.naive,
  mix.optimized,
  ceil.single,
  ceil.three,
  skip.ours,
  cpu.ours,
];
const report: string[] = [];
const say = (s: string) => {
  report.push(s);
  out(s);
};
say(`${SANDBOX_DESCRIPTION} (cpu run: no limits, no latency, no job time)`);
say(table(rows));
say('');
for (const r of [identify.optimized, mix.optimized, skip.ours]) say(usage(r));
say(usage(ceil.single, ceil.singleResources));
say(usage(ceil.three, ceil.threeResources));
say('');
for (const r of rows) say(`${r.label}/${r.mode} requests by endpoint: ${JSON.stringify(r.byEndpoint)}`);
say('');
const c = ceil.ceiling;
say(
  `identify ceiling: ${fmt(ceil.single.eventsPerSec, 0)} users/s of min(${fmt(c.bySlots, 0)} by job slots, ${fmt(c.byBudget, 0)} by request budget) = ${fmt(c.ratio, 2)}; ${fmt(ceil.single.requestsPerEvent, 4)} requests/identify; an ideal client on the same jobs (each end known at once, creates arriving after the sandbox's mean latency, no budget) ${fmt(c.ideal, 0)} users/s = ${fmt(c.idealRatio, 2)}`,
);
const [oneMid, threeMid] = [steady(ceil.single), steady(ceil.three)];
const budget = ceil.singleResources.budgetPerSec;
say(
  `identify ceiling, steady (middle 60 % of the run): requests ${fmt(oneMid.requestsPerSec)}/s of ${fmt(budget)}/s = ${fmt((100 * oneMid.requestsPerSec) / budget, 0)} % of the budget (creates ${fmt(oneMid.createsPerSec)}, polls ${fmt(oneMid.pollsPerSec)}); job slots ${fmt(oneMid.slotsMean)} of 30; three instances: ${fmt((100 * threeMid.requestsPerSec) / budget, 0)} % (creates ${fmt(threeMid.createsPerSec)}, polls ${fmt(threeMid.pollsPerSec)}), job slots ${fmt(threeMid.slotsMean)}`,
);
say(describePermits(ceil.single, ceil.three));
say(describeWaves('ceiling', waves(ceil.single)));
say(describeWaves('skip-heavy', waves(skip.ours)));
say(
  `mixed floor: ${mix.optimized.requests} requests vs floor ${floor.floor} (${floor.tracks} Events API + ${floor.userWrites}/100 user writes + ${floor.organizationWrites}/100 organization writes + ${floor.polls} polls + ${floor.setup} field definitions) = ${fmt(floor.ratio, 2)}`,
);
say(
  `skip-heavy: ${fmt(skip.ours.eventsPerSec, 0)} events/s vs decode-only ${fmt(skip.decode.eventsPerSec, 0)} = ${fmt(skip.ratio, 2)}; CPU per event ${fmt((1e6 * skip.ours.runCpuSeconds) / skip.ours.events, 0)} µs vs decode-only ${fmt(skip.decode.cpuUsPerEvent, 0)} µs; main thread busy ${fmt(100 * skip.ours.mainThreadBusy, 0)} % of the run`,
);
say(
  `scale-out: three instances ${fmt(ceil.three.eventsPerSec, 0)} vs one ${fmt(ceil.single.eventsPerSec, 0)} users/s = ${fmt(ceil.ratio, 2)}; 429s ${fmt(100 * ceil.threeResources.share429, 2)} %; dead letters ${ceil.deadLetters}; state equal to one instance: ${ceil.stateEqual}`,
);
say(describeInstanceSlots('scale-out', ceil.three));
say(
  `identify (20,000 over 5,000 users): ${fmt(identify.speedup)}× naive, ${fmt(identify.optimized.requestsPerEvent, 3)} requests/event; mixed: ${fmt(mix.speedup)}× naive; states equal to naive: ${identify.stateEqual && mix.stateEqual}`,
);
say(
  `cpu: ${fmt(cpu.ours.eventsPerSec, 0)} events/s vs plain consume ${fmt(cpu.raw.eventsPerSec, 0)} = ${fmt(cpu.ratio, 2)}; stage costs: decode ${fmt(cpu.stages.decodeUs, 2)} µs + plan ${fmt(cpu.stages.planUs, 2)} µs per event = at most ${fmt(cpu.workCeiling / cpu.raw.eventsPerSec, 2)} of plain consume`,
);
const seconds = (Date.now() - t0) / 1000;
say(`total bench time ${fmt(seconds)} s`);
const summary = {
  time_scale: TIME_SCALE,
  'identify.speedup': identify.speedup,
  'identify.requests_per_event': identify.optimized.requestsPerEvent,
  'identify.events_per_sec': identify.optimized.eventsPerSec,
  'identify.ceiling_ratio': c.ratio,
  'identify.ceiling_ideal_ratio': c.idealRatio,
  'identify.ceiling_users_per_sec': c.ceiling,
  'identify.ceiling_run_users_per_sec': ceil.single.eventsPerSec,
  'identify.ceiling_requests_per_event': ceil.single.requestsPerEvent,
  'identify.ceiling_steady_budget_share': oneMid.requestsPerSec / budget,
  'mixed.speedup': mix.speedup,
  'mixed.requests_per_event': mix.optimized.requestsPerEvent,
  'mixed.floor_ratio': floor.ratio,
  'skip.ratio_to_decode': skip.ratio,
  'skip.events_per_sec': skip.ours.eventsPerSec,
  'skip.decode_events_per_sec': skip.decode.eventsPerSec,
  'skip.main_thread_busy': skip.ours.mainThreadBusy,
  'scaleout.ratio': ceil.ratio,
  'scaleout.share_429': ceil.threeResources.share429,
  'scaleout.dead_letters': ceil.deadLetters,
  'scaleout.steady_budget_share': threeMid.requestsPerSec / budget,
  'cpu.ratio_to_raw': cpu.ratio,
  'cpu.events_per_sec': cpu.ours.eventsPerSec,
  'cpu.decode_us_per_event': cpu.stages.decodeUs,
  'cpu.plan_us_per_event': cpu.stages.planUs,
  peak_rss_mb: Math.max(...rows.map((r) => r.peakRssMb)),
  state_equal: identify.stateEqual && mix.stateEqual && ceil.stateEqual,
  bench_seconds: seconds,
};
const line = `BENCH ${JSON.stringify(summary)}`;
out(line);
if (process.env.BENCH_WRITE_DOC !== '0') writePerformanceDoc(report.join('\n'), line, summary);
process.exit(summary.state_equal ? 0 : 1);
