/** The process-warning filter: KafkaJS's negative throttle delay is dropped, every other warning printed. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isKafkajsNegativeTimeout, quietKnownWarnings } from '../../../src/ops/warnings.js';

const warning = (name: string, stackFrame: string): Error => {
  const w = new Error('-1795981697700 is a negative number.\nTimeout duration was set to 1.');
  w.name = name;
  w.stack = `${name}: ${w.message}\n    at new Timeout (node:internal/timers:233:17)\n    at ${stackFrame}`;
  return w;
};
const KAFKAJS_FRAME =
  'RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';

describe('process warnings', () => {
  it("recognises KafkaJS's negative throttle delay by name and origin, and nothing else", () => {
    expect(isKafkajsNegativeTimeout(warning('TimeoutNegativeWarning', KAFKAJS_FRAME))).toBe(true);
    // The same warning from our own code (or another library) is a bug worth seeing.
    expect(
      isKafkajsNegativeTimeout(warning('TimeoutNegativeWarning', 'poll (/app/dist/zendesk/limits.js:1:1)')),
    ).toBe(false);
    expect(isKafkajsNegativeTimeout(warning('DeprecationWarning', KAFKAJS_FRAME))).toBe(false);
  });

  it('passes every other warning to the listeners that were there (Node prints through one)', () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    const printed: string[] = [];
    proc.on('warning', (w: Error) => printed.push(w.name));
    quietKnownWarnings(proc);
    proc.emit('warning', warning('TimeoutNegativeWarning', KAFKAJS_FRAME));
    proc.emit('warning', warning('DeprecationWarning', 'x (/app/dist/cli.js:1:1)'));
    proc.emit('warning', warning('TimeoutNegativeWarning', 'poll (/app/dist/zendesk/limits.js:1:1)'));
    expect(printed).toEqual(['DeprecationWarning', 'TimeoutNegativeWarning']);
  });
});
