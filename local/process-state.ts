import { readdirSync, readFileSync } from 'node:fs';

/**
 * Whether a process runs, read from the OS. Kept apart from engines.ts so the engine
 * watchdog (local/engine-watchdog.ts) can use it without loading the AWS SDK and fauxqs.
 */

export type ProcessState = 'alive' | 'zombie' | 'gone';

/** The fields after "pid (comm) " in /proc/<pid>/stat; comm may itself hold spaces or ')'. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * 'gone' once kill(pid, 0) fails with ESRCH. A zombie has exited but still waits for its
 * parent to collect it: it runs no code and holds no port, yet its pid still exists.
 */
export function processState(pid: number): ProcessState {
  // kill(0 or a negative pid) addresses process groups, never one process: refuse them.
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return 'alive';
    throw error;
  }
  if (process.platform !== 'linux') return 'alive';
  const fields = statFields(pid);
  if (fields === undefined) return 'gone';
  return fields[0] === 'Z' ? 'zombie' : 'alive';
}

/** True while `pid` runs (a zombie does not). */
export function isProcessAlive(pid: number): boolean {
  return processState(pid) === 'alive';
}

/**
 * True while any process of group `groupId` runs. On Linux zombies do not count (an
 * orphaned JVM may stay a zombie until whoever adopted it collects it); elsewhere
 * kill(-group, 0) is all there is.
 */
export function groupHasLiveMembers(groupId: number): boolean {
  if (!Number.isInteger(groupId) || groupId <= 1) return false;
  if (process.platform !== 'linux') {
    try {
      process.kill(-groupId, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // fields: state, ppid, pgrp, ...
    if (fields !== undefined && Number(fields[2]) === groupId && fields[0] !== 'Z') return true;
  }
  return false;
}
