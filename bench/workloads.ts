/** Benchmark workloads: deterministic (seeded) Segment events. */
import type { SegmentEvent } from '../src/segment/event.js';
import { mulberry32 } from '../src/sandbox/random.js';

/** Seeded PRNG (the sandbox's mulberry32), so workloads are reproducible. */
export const seeded = mulberry32;

const PLANS = ['free', 'pro', 'team', 'enterprise'];

function identify(i: number, u: number, rnd: () => number, prefix: string): SegmentEvent {
  return {
    type: 'identify',
    messageId: `${prefix}-${i}`,
    userId: `user-${u}`,
    timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
    traits: {
      name: `User ${u}`,
      email: `user${u}@example.com`,
      planTier: PLANS[Math.floor(rnd() * PLANS.length)]!,
      seats: Math.floor(rnd() * 100),
      beta: rnd() < 0.5,
      lastSeen: `2026-11-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
    },
  };
}

/** 20,000 identifies over 5,000 users (by default), users in random order. */
export function identifyHeavy(n = 20_000, users = 5_000, seed = 1): SegmentEvent[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, (_, i) => identify(i, Math.floor(rnd() * users), rnd, `id${seed}`));
}

export const MIXED_TRACK_EVENTS = ['Order Completed', 'Subscription Started'];
const OTHER_EVENTS = ['Button Clicked', 'Page Scrolled'];

/**
 * Mixed: identify, group over a few hundred organizations, and track (half allow-listed), in a random
 * order in which a user's first event is always an identify (so groups and tracks find the user).
 */
export function mixed(n = 10_000, users = 3_000, orgs = 300, seed = 2): SegmentEvent[] {
  const rnd = seeded(seed);
  const out: SegmentEvent[] = [];
  const known = new Set<number>();
  while (out.length < n) {
    const i = out.length;
    const u = Math.floor(rnd() * users);
    const r = rnd();
    const ts = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
    if (!known.has(u) || r < 0.4) {
      known.add(u);
      out.push(identify(i, u, rnd, `mx${seed}`));
    } else if (r < 0.7) {
      const o = (u * 7919) % orgs; // a user belongs to one organization, stable across events
      out.push({
        type: 'group',
        messageId: `mx${seed}-${i}`,
        userId: `user-${u}`,
        groupId: `org-${o}`,
        timestamp: ts,
        traits: {
          name: `Organization ${o}`,
          industry: ['retail', 'saas', 'media'][o % 3]!,
          employees: 10 + o,
        },
      });
    } else {
      const list = rnd() < 0.5 ? MIXED_TRACK_EVENTS : OTHER_EVENTS;
      out.push({
        type: 'track',
        messageId: `mx${seed}-${i}`,
        userId: `user-${u}`,
        event: list[Math.floor(rnd() * list.length)]!,
        timestamp: ts,
        properties: { value: Math.floor(rnd() * 1000), currency: 'EUR' },
      });
    }
  }
  return out;
}

/** One identify per user, every user distinct: each event is one bulk item, so full jobs are possible. */
export function distinctIdentifies(n = 40_000, seed = 3): SegmentEvent[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, (_, i) => identify(i, 1_000_000 + i, rnd, `di${seed}`));
}

/**
 * What a typical Segment stream mostly is: 90 % page, screen and track events this destination skips
 * (no track on the allow-list), 10 % identifies over a tenth as many users.
 */
export function skipHeavy(n = 200_000, seed = 4): SegmentEvent[] {
  const rnd = seeded(seed);
  const users = Math.max(1, Math.round(n / 40));
  return Array.from({ length: n }, (_, i) => {
    const u = Math.floor(rnd() * users);
    const r = rnd();
    if (r < 0.1) return identify(i, 2_000_000 + u, rnd, `sk${seed}`);
    const base = {
      messageId: `sk${seed}-${i}`,
      userId: `user-${2_000_000 + u}`,
      timestamp: new Date(Date.UTC(2026, 10, 1) + i * 100).toISOString(),
    };
    if (r < 0.4)
      return { ...base, type: 'page', name: 'Pricing', properties: { path: '/pricing', title: 'Pricing' } };
    if (r < 0.6) return { ...base, type: 'screen', name: 'Home', properties: { variant: 'b' } };
    return {
      ...base,
      type: 'track',
      event: OTHER_EVENTS[Math.floor(rnd() * OTHER_EVENTS.length)]!,
      properties: { value: Math.floor(rnd() * 1000), currency: 'EUR' },
    };
  });
}
