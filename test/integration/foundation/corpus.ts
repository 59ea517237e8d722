/** Events that stress the round trip: unicode, nesting, arrays, numbers vs numeric strings, booleans, null. */
export function corpus(): Record<string, unknown>[] {
  const big: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) big[`k${i}`] = 'x'.repeat(90) + i; // ~100 KB of traits
  return [
    {
      messageId: 'm-unicode',
      type: 'identify',
      userId: 'user-ü-1',
      timestamp: '2026-11-29T10:00:00.000Z',
      traits: {
        name: 'Zoë Ångström 山田 🙂',
        email: 'zoe+test@example.com',
        bio: 'line1\nline2\t"quoted"\u0000end',
      },
    },
    {
      messageId: 'm-nested',
      type: 'group',
      userId: 'u2',
      groupId: 'g-1',
      traits: {
        name: 'Acme',
        address: { city: 'Paris', geo: { lat: 48.85, lng: 2.35 } },
        tags: ['a', 'b', ['c']],
      },
    },
    {
      messageId: 'm-numbers',
      type: 'track',
      userId: 'u3',
      event: 'Order Completed',
      properties: { int: 42, str: '42', dec: 3.14, neg: -0.5, exp: 1e21, zero: 0, big: 9007199254740991 },
    },
    {
      messageId: 'm-bool-null',
      type: 'identify',
      anonymousId: 'anon-1',
      traits: { t: true, f: false, n: null, empty: '', arr: [], obj: {} },
      context: { ip: '1.2.3.4', traits: { plan: null } },
      integrations: { All: true, Mixpanel: false },
    },
    { messageId: 'm-page', type: 'page', userId: 'u4', name: 'Home', properties: { path: '/' }, version: 2 },
    {
      messageId: 'm-alias',
      type: 'alias',
      userId: 'u5',
      previousId: 'anon-9',
      sentAt: '2026-11-29T10:00:01Z',
      receivedAt: '2026-11-29T10:00:02Z',
    },
    { messageId: 'm-big', type: 'identify', userId: 'u6', traits: big },
  ];
}
