import type { PerftestArgs, PerftestVerb } from './perftest-args';
import { MAX_SIZE } from './perftest-args';

// How much bandwidth a simulated perftest run achieves, shaped after the guide's runs: small messages are
// limited by the message rate (~4.2 Mpps for ib_send_bw with 4 QPs, ~8.2 Mpps bidirectional ib_read_bw),
// large ones approach a fraction of the line rate (396.5 of 400 Gb/s one way, ~790 of 800 both ways).
// Deterministic: every random draw comes from the seeded generator passed in.

export interface BandwidthModel {
  /** Port line rate, Gb/s. */
  lineRateGbps: number;
  /** Fraction of line rate reached by the largest messages (0.991 ≈ 396.5/400). */
  efficiency: number;
}

/** Small-message rate of one direction, Mpps (guide: send 4.25, read 8.2/2; reference: write 6.84). */
const MESSAGE_RATE_MPPS: Record<PerftestVerb, number> = { send: 4.25, write: 6.84, read: 4.1 };

/** Per-message overhead that keeps mid sizes slightly under the plateau (fits 391.8 Gb/s at 16 KiB). */
const OVERHEAD_BYTES = 190;

export interface MeasuredRow {
  bytes: number;
  /** iterations × queue pairs, as perftest reports them. */
  iterations: number;
  peakGbps: number;
  avgGbps: number;
  msgRateMpps: number;
}

/** The simulator's one seedable generator (mulberry32), under the name the guest code uses. */
export { mulberry32 as seededRandom } from '../prng';

export function messageSizes(args: Pick<PerftestArgs, 'all' | 'size'>): number[] {
  if (!args.all) return [args.size];
  const sizes: number[] = [];
  for (let s = 2; s <= MAX_SIZE; s *= 2) sizes.push(s);
  return sizes;
}

/** A smooth minimum: close to min(a, b), rounding the corner where they cross. */
function smoothMin(a: number, b: number, p = 8): number {
  return Math.pow(Math.pow(a, -p) + Math.pow(b, -p), -1 / p);
}

/**
 * Rows for a run. `linkFactor` (0..1] scales the achievable bandwidth (1 = healthy fabric).
 * Fewer than 4 QPs lose a little (the guide needed 4 QPs for 396.5 Gb/s).
 */
export function measure(
  args: Pick<PerftestArgs, 'verb' | 'all' | 'size' | 'qps' | 'iters' | 'bidirectional'>,
  model: BandwidthModel,
  linkFactor: number,
  random: () => number,
): MeasuredRow[] {
  const directions = args.bidirectional ? 2 : 1;
  const qpsFactor = args.qps >= 4 ? 1 : 1 - 0.01 * (4 - args.qps);
  const plateau = model.lineRateGbps * model.efficiency * linkFactor * qpsFactor * directions;
  const ceiling = model.lineRateGbps * linkFactor * directions;
  const rate = MESSAGE_RATE_MPPS[args.verb] * directions;
  return messageSizes(args).map((bytes) => {
    const rateLimited = (bytes * 8 * rate) / 1000;
    const cap = (plateau * bytes) / (bytes + OVERHEAD_BYTES);
    let avg = smoothMin(rateLimited, cap) * (1 + (random() - 0.5) * 0.002);
    avg = Math.min(avg, ceiling);
    const burst = 0.002 * random() + 0.012 * Math.exp(-bytes / 2048);
    const peak = Math.min(avg * (1 + burst), ceiling);
    return {
      bytes,
      iterations: args.iters * args.qps,
      peakGbps: peak,
      avgGbps: avg,
      msgRateMpps: (avg * 1000) / (bytes * 8),
    };
  });
}

/** Gb/s → the unit perftest prints without --report_gbits (MiB/sec: bytes/s / 0x100000). */
export function toReportUnit(gbps: number, reportGbits: boolean): number {
  return reportGbits ? gbps : (gbps * 125_000_000) / 0x100000;
}
