// Seedable pseudo-random numbers, so fault probabilities and boot-time jitter are reproducible.

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, to derive per-host seeds from a fleet seed. */
export function hashString(text: string, seed = 0): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A value from a fixed number or an inclusive [min, max] range. */
export function pick(value: number | [number, number], rng: () => number): number {
  if (typeof value === 'number') return value;
  const [min, max] = value;
  return Math.round(min + (max - min) * rng());
}
