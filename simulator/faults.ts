import { z } from 'zod';

// Per-host faults: given at start (spec string and/or JSON file) and changed at run time through
// the control endpoint. Probabilities use the host's seeded PRNG, so runs are reproducible.

export const hostFaultsSchema = z.strictObject({
  /** The host goes down on its next reboot and never listens again (until the fault is cleared). */
  neverReturn: z.boolean().optional(),
  /** Boot takes this long (ms) instead of the host's boot time. */
  slowBootMs: z.number().int().min(0).optional(),
  /** Commands whose line contains one of these substrings never return. */
  hang: z.array(z.string().min(1)).optional(),
  /** Probability that the SSH connection drops in the middle of a command. */
  drop: z.number().min(0).max(1).optional(),
  /** Every authentication attempt fails. */
  authFail: z.boolean().optional(),
  /** The host serves a different host key (as after a reinstall). */
  hostKeyRotated: z.boolean().optional(),
  /** mlxconfig fails with "-E- Failed to open the device". */
  mlxconfigFail: z.boolean().optional(),
  /** mst status lists no cards until the host has booted once with mst_recovery=1 (set when applied). */
  cardsHidden: z.boolean().optional(),
  /** nmlx5_core unloads (now, and after every boot while set); the guide's module reload fixes one boot. */
  moduleUnloaded: z.boolean().optional(),
  /** The host returns from its next boots without its cards. */
  cardsMissingAfterBoot: z.boolean().optional(),
  /** Guest shutdowns of this host's VMs never finish (tools answer, the guests hang). */
  guestShutdownHangs: z.boolean().optional(),
  /**
   * Hostile output: every command's output (and the switch CLI's replies) shows `to` where it would show
   * `from`, e.g. an mst device or vmnic named "mt4129_pciconf0;touch${IFS}x;#", a guest's RDMA device or
   * a switch release with `$()`, quotes or newlines. What the machine itself does is unchanged.
   */
  rewriteOutput: z.array(z.strictObject({ from: z.string().min(1), to: z.string() })).optional(),
});
export type HostFaults = z.infer<typeof hostFaultsSchema>;

/** One output rewrite: the machine prints `to` wherever its output would show `from`. */
export interface OutputRewrite {
  from: string;
  to: string;
}

/** `text` as a machine with these rewrites prints it. */
export function rewriteOutput(text: string, rewrites: readonly OutputRewrite[] | undefined): string {
  let out = text;
  for (const r of rewrites ?? []) out = out.split(r.from).join(r.to);
  return out;
}

export const FAULT_SPEC_HELP = `Fault spec: RULE[;RULE...]  RULE = HOSTS:FAULT[,FAULT...]
  HOSTS    a host name or a glob with * (e.g. esx-03, esx-1*, *)
  FAULT    never-return            never comes back from its next reboot
           slow-boot=MS            boot takes MS milliseconds
           hang=TEXT               commands containing TEXT never return (%2C for ',', %3B for ';')
           drop=P                  SSH connection drops mid-command with probability P (0..1)
           auth-fail               authentication always fails
           host-key-rotated        serves a different host key
           mlxconfig-fail          mlxconfig prints "-E- Failed to open the device"
           cards-hidden            mst status lists no cards until a boot with mst_recovery=1
           module-unloaded         nmlx5_core unloaded (now and after each boot)
           cards-missing           the host returns from its next boots without its cards
           guest-shutdown-hangs    guest shutdowns of the host's VMs never finish
           rewrite=FROM>TO         output shows TO wherever it would show FROM (both URI-encoded:
                                   %3B ';', %2C ',', %3E '>', %0A newline); hostile names
  Later rules add to earlier ones. Example: esx-03:never-return;esx-05:slow-boot=30000;*:drop=0.1`;

export interface FaultRule {
  pattern: string;
  faults: HostFaults;
}

function parseFault(token: string): HostFaults {
  const eq = token.indexOf('=');
  const name = (eq < 0 ? token : token.slice(0, eq)).trim();
  const value = eq < 0 ? undefined : token.slice(eq + 1).trim();
  const needValue = () => {
    if (value === undefined || value === '') throw new Error(`fault ${name} needs a value (${name}=...)`);
    return value;
  };
  const noValue = () => {
    if (value !== undefined && value !== 'true') throw new Error(`fault ${name} takes no value`);
  };
  switch (name) {
    case 'never-return':
      noValue();
      return { neverReturn: true };
    case 'slow-boot': {
      const ms = Number(needValue());
      if (!Number.isInteger(ms) || ms < 0) throw new Error(`slow-boot needs milliseconds, got ${value}`);
      return { slowBootMs: ms };
    }
    case 'hang':
      return { hang: [decodeURIComponent(needValue())] };
    case 'drop': {
      const p = Number(needValue());
      if (!(p >= 0 && p <= 1)) throw new Error(`drop needs a probability 0..1, got ${value}`);
      return { drop: p };
    }
    case 'auth-fail':
      noValue();
      return { authFail: true };
    case 'host-key-rotated':
    case 'rotate-key':
      noValue();
      return { hostKeyRotated: true };
    case 'mlxconfig-fail':
      noValue();
      return { mlxconfigFail: true };
    case 'cards-hidden':
      noValue();
      return { cardsHidden: true };
    case 'module-unloaded':
      noValue();
      return { moduleUnloaded: true };
    case 'cards-missing':
    case 'cards-missing-after-boot':
      noValue();
      return { cardsMissingAfterBoot: true };
    case 'guest-shutdown-hangs':
      noValue();
      return { guestShutdownHangs: true };
    case 'rewrite': {
      const [from, to, extra] = needValue().split('>');
      if (!from || to === undefined || extra !== undefined)
        throw new Error(`rewrite needs FROM>TO (a '>' inside either is written %3E), got ${value}`);
      return { rewriteOutput: [{ from: decodeURIComponent(from), to: decodeURIComponent(to) }] };
    }
    default:
      throw new Error(`unknown fault "${name}"`);
  }
}

/** Parses a list of faults without a host pattern: "never-return,slow-boot=3000". */
export function parseFaultList(text: string): HostFaults {
  let faults: HostFaults = {};
  for (const token of text.split(',')) if (token.trim()) faults = mergeFaults(faults, parseFault(token));
  return faults;
}

export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const part of spec.split(';')) {
    if (!part.trim()) continue;
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error(`fault rule "${part}" must look like HOSTS:FAULT[,FAULT...]`);
    rules.push({ pattern: part.slice(0, colon).trim(), faults: parseFaultList(part.slice(colon + 1)) });
  }
  return rules;
}

/** A faults file: { "esx-03": { "neverReturn": true }, "*": "drop=0.1" }. */
export function parseFaultsJson(json: unknown): FaultRule[] {
  const record = z.record(z.string(), z.union([z.string(), hostFaultsSchema])).parse(json);
  return Object.entries(record).map(([pattern, v]) => ({
    pattern,
    faults: typeof v === 'string' ? parseFaultList(v) : v,
  }));
}

export function mergeFaults(a: HostFaults, b: HostFaults): HostFaults {
  const merged: HostFaults = { ...a, ...b };
  if (a.hang || b.hang) merged.hang = [...(a.hang ?? []), ...(b.hang ?? [])];
  if (a.rewriteOutput || b.rewriteOutput)
    merged.rewriteOutput = [...(a.rewriteOutput ?? []), ...(b.rewriteOutput ?? [])];
  return merged;
}

export function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

export function faultsFor(name: string, rules: FaultRule[]): HostFaults {
  let faults: HostFaults = {};
  for (const r of rules) if (globMatches(r.pattern, name)) faults = mergeFaults(faults, r.faults);
  return faults;
}

/** The spec form of a host's faults (for listings). */
export function formatFaults(f: HostFaults): string {
  const parts: string[] = [];
  if (f.neverReturn) parts.push('never-return');
  if (f.slowBootMs !== undefined) parts.push(`slow-boot=${f.slowBootMs}`);
  for (const h of f.hang ?? []) parts.push(`hang=${encodeURIComponent(h)}`);
  if (f.drop !== undefined) parts.push(`drop=${f.drop}`);
  if (f.authFail) parts.push('auth-fail');
  if (f.hostKeyRotated) parts.push('host-key-rotated');
  if (f.mlxconfigFail) parts.push('mlxconfig-fail');
  if (f.cardsHidden) parts.push('cards-hidden');
  if (f.moduleUnloaded) parts.push('module-unloaded');
  if (f.cardsMissingAfterBoot) parts.push('cards-missing');
  if (f.guestShutdownHangs) parts.push('guest-shutdown-hangs');
  for (const r of f.rewriteOutput ?? [])
    parts.push(`rewrite=${encodeURIComponent(r.from)}>${encodeURIComponent(r.to)}`);
  return parts.join(',');
}
