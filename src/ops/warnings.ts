/**
 * Process warnings Node prints on stderr, less one known to be harmless: KafkaJS 2.2.4 (no longer
 * released) schedules its request-queue check with `throttledUntil - Date.now()` while
 * `throttledUntil` is still -1, a negative delay that Node 23+ clamps to 1 ms, as Node 20 did
 * silently, and reports as a `TimeoutNegativeWarning` on every start (tulios/kafkajs#1751, fixes
 * open and unmerged). Left in, it puts three lines of noise before the one line a failing command
 * prints. Every other warning still reaches Node's own handler.
 */
type WarningListener = (warning: Error) => void;

/** KafkaJS's negative throttle delay, recognised by the warning's name and where it was raised. */
export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return (
    warning.name === 'TimeoutNegativeWarning' &&
    /kafkajs[\\/]src[\\/]network[\\/]requestQueue/.test(warning.stack ?? '')
  );
}

/** Puts a filter in front of the process's warning listeners (Node's printer among them). */
export function quietKnownWarnings(proc: NodeJS.Process = process): void {
  const listeners = proc.listeners('warning') as WarningListener[];
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    for (const listener of listeners) listener.call(proc, warning);
  });
}
