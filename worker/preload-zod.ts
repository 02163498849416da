import { z } from 'zod';

// Preloaded into the workflow bundle (bundle.ts): zod's modules are evaluated once per workflow thread
// and shared by every workflow, instead of once per workflow (about 0.7 MB of each workflow's heap).
// `preloadModules: ['zod']` alone does not do it: zod declares itself free of side effects, so webpack
// drops an import whose value is unused, and a `require` would load zod's CommonJS build, not the ES
// modules the workflows import. The SDK freezes what a preloaded module exports; zod fills one
// module-level value lazily (whether eval works, for its object fast path), so a first parse here,
// before the freeze, fills it.
export const zodReady = z.object({ preloaded: z.boolean() }).safeParse({ preloaded: true }).success;
