import { startDynamoDbLocal } from '#local/engines.ts';

/**
 * A process that starts DynamoDB Local the way `npm start` and the test global setup do,
 * prints the pids to watch as one JSON line, and waits to be killed
 * (test/integration/engine-watchdog.test.ts). It installs no signal handler on purpose: a
 * SIGTERM then ends it as abruptly as a SIGKILL, with no clean-up run.
 */
const engine = await startDynamoDbLocal({});
process.stdout.write(`${JSON.stringify({ javaPid: engine.pid, watchdogPid: engine.watchdogPid })}\n`);
// The engine holds nothing open in this process; this keeps it alive until it is killed.
setInterval(function stayAlive() {}, 60_000);
