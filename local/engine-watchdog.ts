import { setTimeout as sleep } from 'node:timers/promises';
import { groupHasLiveMembers, processState } from './process-state.ts';

/**
 * Ends DynamoDB Local's process group when the process that started it dies, however it
 * dies. local/engines.ts starts one per engine:
 *
 *   node local/engine-watchdog.ts <process group id of the JVM>
 *
 * Why: the engine's own clean-up runs on stop() or on a normal process exit, but SIGKILL,
 * and SIGTERM/SIGHUP without a handler, end Node with no JavaScript run at all; Java sits in
 * its own process group (so a terminal's Ctrl-C reaches only our runtime) and so outlives it.
 *
 * How: our stdin is a pipe whose other end only the parent holds (Node opens pipes
 * close-on-exec, so no other child inherits it). The kernel closes that end when the parent
 * exits for any reason, and we read end-of-file at once: no polling of the parent's pid, which
 * a zombie parent would still answer and a new process could reuse. The parent also closes it
 * on purpose after stop(), when the group is already gone and we just leave.
 *
 * Then: SIGTERM to the group (DynamoDB Local closes its SQLite file), SIGKILL after a grace
 * period. We run detached, in our own session, so signals aimed at the parent's process
 * group or terminal do not take us down with it.
 */

const TERM_GRACE_MS = 3_000;
const POLL_MS = 50;
/** How often to look whether the JVM ended by itself, so that we do not outlive it. */
const LEADER_CHECK_MS = 1_000;

const group = Number(process.argv[2]);
if (!Number.isInteger(group) || group <= 1) {
  process.stderr.write(`engine-watchdog: expected a process group id above 1, got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}

// The parent stops reading once we are armed; a late write must not crash us.
process.stdout.on('error', function ignoreClosedStdout() {});
process.stderr.on('error', function ignoreClosedStderr() {});

function signalGroup(name: NodeJS.Signals): void {
  try {
    process.kill(-group, name);
  } catch {
    // The group is gone already: what we wanted.
  }
}

let ending = false;
async function endGroupAndExit(): Promise<never> {
  if (!ending) {
    ending = true;
    clearInterval(leaderCheck);
    if (groupHasLiveMembers(group)) {
      signalGroup('SIGTERM');
      const deadline = Date.now() + TERM_GRACE_MS;
      while (groupHasLiveMembers(group) && Date.now() < deadline) await sleep(POLL_MS);
      if (groupHasLiveMembers(group)) signalGroup('SIGKILL');
    }
    process.exit(0);
  }
  return new Promise<never>(function waitForExit() {});
}

// The group leader is the JVM, or a launcher script that waits for it; once it has ended we
// have nothing left to guard, and leaving early means a recycled group id is never signalled.
const leaderCheck = setInterval(function exitWhenJavaEnded() {
  if (processState(group) !== 'alive') process.exit(0);
}, LEADER_CHECK_MS);

process.stdin.on('end', endGroupAndExit);
process.stdin.on('error', endGroupAndExit);
process.stdin.resume();
process.stdout.write('armed\n');
