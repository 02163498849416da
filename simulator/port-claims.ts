import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Ports claimed by the simulators of this machine, one file per port naming the claiming process.
// PortHold keeps a port from the kernel's automatic picks, but not from another process's listen on
// it: Node binds with SO_REUSEADDR, and Linux lets a second socket bind and listen on a port whose
// only socket is a connection. Every simulator takes its machines' ports below the ephemeral range
// (stable-ports.ts), so a test's fleet walking that range listened on the port of a benchmark's host
// that was rebooting, and ibfleet met a stranger's key there ("Host key mismatch", refused as it
// must). A simulator therefore tries only ports no living simulator claims, and keeps its claims
// until its machine stops for good; a claim left by a process that died is taken over.

/** Shared by every user's simulators (sticky, like /tmp: a claim is removed only by its owner). */
export const CLAIMS_DIR = path.join(os.tmpdir(), 'ibfleet-sim-ports');

const claimed = new Set<number>();
let dirReady = false;

function claimFile(port: number): string {
  return path.join(CLAIMS_DIR, String(port));
}

function ensureDir(): void {
  if (dirReady) return;
  fs.mkdirSync(CLAIMS_DIR, { recursive: true });
  try {
    fs.chmodSync(CLAIMS_DIR, 0o1777); // mkdir's mode is cut by the umask
  } catch {
    // another user's directory: it is theirs to set
  }
  // Whatever ends the process normally, its claims go with it (a killed one's are taken over).
  process.once('exit', releaseAllPorts);
  dirReady = true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The process a claim names, or undefined when the claim is unreadable or gone. */
function claimant(port: number): number | undefined {
  try {
    const pid = Number(fs.readFileSync(claimFile(port), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims `port` for this process: true when no living process claims it (a dead one's claim is taken
 * over), false otherwise, also when this process claimed it already (for another of its machines).
 */
export function claimPort(port: number): boolean {
  if (claimed.has(port)) return false;
  ensureDir();
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(claimFile(port), `${process.pid}\n`, { flag: 'wx' });
      claimed.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = claimant(port);
    if (pid === undefined) {
      // Being written right now, or unreadable: someone's; try other ports.
      return false;
    }
    if (pid === process.pid || alive(pid)) return false;
    try {
      fs.unlinkSync(claimFile(port));
    } catch {
      return false; // another user's stale claim (sticky directory), or taken over by someone else first
    }
  }
  return false;
}

/** Gives a claim of this process back (its machine stopped for good, or could not listen there). */
export function releasePort(port: number): void {
  if (!claimed.delete(port)) return;
  if (claimant(port) !== process.pid) return;
  try {
    fs.unlinkSync(claimFile(port));
  } catch {
    // already gone
  }
}

/** Every claim of this process (at exit). */
export function releaseAllPorts(): void {
  for (const port of [...claimed]) releasePort(port);
}
