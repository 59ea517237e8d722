/**
 * Node flags the service is started with (Dockerfile ENTRYPOINT, `npm start`, the benchmark).
 *
 * `--max-semi-space-size=4`: V8's young generation is sized for a big machine by default (16 MB
 * semi-spaces here); the pipeline's garbage is short-lived (an event lives for one fetch), so a
 * 4 MB young generation keeps peak RSS about 40–70 MB lower at the same throughput (measured by
 * `npm run bench`, docs/performance.md). It cannot be set from inside the process.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
