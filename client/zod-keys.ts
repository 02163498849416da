import type { z } from 'zod';
import { valueAt, type PathSegment } from './zod-reason';

// The keys a strict object accepts at a path of a schema, so "unknown key" messages can list them.

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  // zod v4 exposes the definition as `def`; its precise generic type is not needed here.
  return schema.def;
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let cur = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(cur);
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType)
      cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else if (def.type === 'union' && def.options) {
      const d = def.discriminator;
      const tag = d && value && typeof value === 'object' ? (value as Record<string, unknown>)[d] : undefined;
      const match = def.options.find((o) => {
        const shape = defOf(o).shape;
        const lit = d && shape?.[d] ? (defOf(shape[d]) as { values?: unknown[] }).values : undefined;
        return lit?.includes(tag);
      });
      if (!match) return cur;
      cur = match;
    } else return cur;
  }
  return cur;
}

/** Keys allowed by the object schema found at `path` (empty when it is not an object). */
export function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[], root: unknown): string[] {
  let cur = unwrap(schema, root);
  for (let i = 0; i < path.length; i++) {
    const def = defOf(cur);
    const seg = path[i];
    const next =
      def.type === 'object' && typeof seg === 'string'
        ? def.shape?.[seg]
        : def.type === 'array' && typeof seg === 'number'
          ? def.element
          : undefined;
    if (!next) return [];
    cur = unwrap(next, valueAt(root, path.slice(0, i + 1)).value);
  }
  const def = defOf(cur);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
