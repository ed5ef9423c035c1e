// What the kernel accounts to a process (Linux /proc): CPU time and resident memory. The bench
// reads the broker's own figures from outside, so they hold whatever the clients cost and
// however busy the shared machine is: CPU seconds per GB is steadier than MB/s there.

import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuTimes {
  user: number;
  system: number;
}

/** The fields of /proc/<pid>/stat after the command name, or undefined if the process is gone. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Fields `user` and `user + 1` (counted from the state, field 3, as 0) in seconds. */
function times(fields: string[] | undefined, user: number): CpuTimes {
  if (fields === undefined) return { user: Number.NaN, system: Number.NaN };
  return { user: Number(fields[user]) / TICKS_PER_SECOND, system: Number(fields[user + 1]) / TICKS_PER_SECOND };
}

/** User and system CPU seconds the process (all its threads) has used so far; NaN if it is gone. */
export function cpuTimes(pid: number): CpuTimes {
  return times(statFields(pid), 11); // utime, stime: fields 14 and 15
}

/**
 * User and system CPU seconds of this process's children that have exited and been waited
 * for (cutime, cstime): across a run that starts and reaps one client process, the
 * difference is that client's whole CPU time, to its last instruction.
 */
export function reapedChildrenCpuTimes(): CpuTimes {
  return times(statFields('self'), 13); // cutime, cstime: fields 16 and 17
}

/** User plus system CPU seconds the process has used so far, or NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory now, in MB (10^6 bytes, as the rest of the bench). */
export function rssMb(pid: number): number {
  return (statusKiB(pid, 'VmRSS') * 1024) / 1e6;
}

/** Peak resident memory so far, in MB. */
export function peakRssMb(pid: number): number {
  return (statusKiB(pid, 'VmHWM') * 1024) / 1e6;
}

/** Bytes of the files under a directory (du's apparent size), without following links. */
export function directoryBytes(dir: string): number {
  let total = 0;
  const walk = (path: string): void => {
    for (const entry of readdirSafe(path)) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += statSize(full);
    }
  };
  walk(dir);
  return total;
}

function readdirSafe(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
}

function statSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
