/**
 * Node flags the service is started with (Dockerfile ENTRYPOINT, `npm start`, the benchmark).
 *
 * `--max-semi-space-size=8`: V8's young generation is sized for a big machine by default (16 MB
 * semi-spaces here). The pipeline's garbage is short-lived (an event lives for one fetch); 4 MB kept
 * peak RSS lowest, but a fetch's decoded records outlived it, were promoted and cost full
 * collections: in one full `npm run bench` each, 8 MB against 4 MB spent 68 against 80 µs of CPU per
 * event in the skip-heavy drain (0.20 against 0.16 of decode-only) and ran the CPU-bound identifies
 * at 5,948 against 5,332 events/s, with the highest peak RSS of any run 260 MB against 253 (16 MB: 61 µs,
 * but 241 MB in the skip drain alone against 196 at 4 MB). It cannot be set from inside the process.
 *
 * `--heap-growing-percent=30`: the next full collection comes once the old space has grown 30 % past
 * what the last one kept. V8 otherwise lets a heap that is collected fast grow several times its live
 * size on a machine with memory to spare: at 8,000 events in flight the live heap after a full
 * collection was 72-100 MB while the old space reached 220-250 MB of dead objects (peak RSS 480 MB in
 * the identify ceiling run, 350-440 MB in the skip-heavy drain). With it, the same runs peaked at
 * 243 MB (ceiling 0.80 either way) and 201 MB (skip 0.18 against 0.17-0.24 without). Unlike a
 * `--max-old-space-size` cap it cannot end in an out-of-memory crash when the live set is larger (big
 * events, a larger in-flight bound): the heap still grows, by collecting more often.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=30'];
