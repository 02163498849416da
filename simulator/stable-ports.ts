import fs from 'node:fs';

// A simulated machine keeps its SSH port across reboots and SSH stops, as a real host keeps port 22. A
// port the kernel picks (listen on 0) lies in its ephemeral range, which it also hands to outgoing
// connections and to every other process's listen on 0: while the machine was down, anyone on the
// machine could take its port, and a host of another simulator then answered on it ("Host key
// mismatch" in a 10,000-host benchmark run beside the test suite; ibfleet refused, as it must). So a
// machine's first port is taken below the ephemeral range, where the kernel never picks one, and
// PortHold keeps it while the machine does not listen.

/** Below it: well-known and registered ports of services a developer may run (Temporal's 7233, 8233). */
const LOWEST_PORT = 10_000;
const DEFAULT_EPHEMERAL_START = 32_768;

/** The first port of the kernel's ephemeral range (Linux: ip_local_port_range), or the usual default. */
function ephemeralStart(): number {
  try {
    const [start] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(start) && start > LOWEST_PORT + 1_000) return start;
  } catch {
    // not Linux: the IANA range starts at 49152, the usual Linux one lower
  }
  return DEFAULT_EPHEMERAL_START;
}

const END = ephemeralStart();
/** Candidates a machine tries before it lets the kernel pick (a fleet beside other fleets finds free ones). */
export const STABLE_PORT_ATTEMPTS = 200;
// A random start, so that simulators started at once rarely try the same ports.
let next = LOWEST_PORT + Math.floor(Math.random() * (END - LOWEST_PORT));

/** The next port to try for a machine's first listen, cycling through [10000, start of the ephemeral range). */
export function nextStablePort(): number {
  const port = next;
  next = next + 1 >= END ? LOWEST_PORT : next + 1;
  return port;
}
