/** Runs the sandbox CLI directly (`node --import tsx src/sandbox/main-for-test.ts --port 0`), for tests and demos. */
import { runSandboxCli } from './cli.js';

runSandboxCli(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});
