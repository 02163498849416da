/** A value built on its first use, then kept: see lazy(). */
export interface Lazy<T> {
  (): T;
  /** Whether it has been built (tests check what a workflow builds). */
  readonly built: boolean;
}

/**
 * A value built on first use, then kept, once per module instance. Every workflow evaluates its own
 * instance of each module it imports and keeps it while it is cached (issue #15): a zod schema built at
 * module load costs every cached workflow its heap even when that workflow never validates with it.
 * Deterministic: building a schema runs no workflow command.
 */
export function lazy<T>(build: () => T): Lazy<T> {
  let kept: { value: T } | undefined;
  const get = (): T => (kept ??= { value: build() }).value;
  return Object.defineProperty(get, 'built', { get: () => kept !== undefined }) as Lazy<T>;
}
