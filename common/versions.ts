/**
 * Compares dotted versions numerically ("3.10.4000" < "3.11.1004"; missing parts count as 0).
 * A suffix after the numbers ("3.11.1004-2") is ignored. Throws on a text with no leading number.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const parse = (v: string): number[] => {
    const m = /^\s*v?(\d+(?:\.\d+)*)/.exec(v);
    if (!m) throw new Error(`not a dotted version: "${v}"`);
    return m[1].split('.').map((p) => Number(p));
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
