import { z } from 'zod';
import { valueShapes } from './command-values';
import { lazy } from './lazy';
import { switchSmVirtParamsSchema, validateBandwidthParamsSchema } from './procedures/params';
import { nameSchema } from './target-schemas';
import { MAX_NUM_OF_VFS, MAX_VFS_PER_PORT, vfPortsFit, vfRuleMessage } from './vf-rule';

// The declared state of a cluster's ESXi hosts (`ibfleet plan` / `apply`): InfiniBand in SR-IOV mode with
// N VFs, or in passthrough; the driver and MFT/NMST versions they need; where MFT/NMST is installed from.
// Written per cluster in the inventory, with host overrides; sent to the `converge` workflows as their
// parameters (one copy per cluster, not per host) and validated again there. Deterministic and pure.
// The schemas are built on first use (common/lazy.ts): every host workflow imports this module through
// the procedure catalog, and only converge validates with them.

/** A minimum version, compared number by number with the leading dotted numbers of a VIB version. */
const minVersionSchema = () =>
  z
    .string()
    .regex(/^\d{1,6}(\.\d{1,9}){0,4}$/, 'must be a dotted version such as 4.26.1 (compared as a minimum)');

const depotPathSchema = () =>
  z.string().refine((p) => valueShapes.depotPath.test(p), `must be ${valueShapes.depotPath.rule}`);

export const desiredModes = ['sriov', 'passthrough'] as const;
export type DesiredMode = (typeof desiredModes)[number];

/** What may differ per host: everything but the cluster-wide facts (vLCM image, fabric, bandwidth gate). */
const hostFields = lazy(() => ({
  mode: z.enum(desiredModes),
  /** SR-IOV: NUM_OF_VFS written to each card's firmware. */
  numVfs: z.number().int().min(1).max(MAX_NUM_OF_VFS),
  /** SR-IOV: VFs the driver creates on each nmlx5 port (max_vfs). */
  maxVfs: z.number().int().min(1).max(MAX_VFS_PER_PORT),
  versions: z.strictObject({
    /** The inbox nmlx5 driver (nmlx5-core VIB); ibfleet never changes it: an older one stops the host. */
    nmlx5: minVersionSchema().optional(),
    /** NVIDIA MFT (mft VIB) and NMST (nmst VIB), installed from mftInstall.depots when missing or older. */
    mft: minVersionSchema().optional(),
    nmst: minVersionSchema().optional(),
  }),
  mftInstall: z.strictObject({
    /** Offline depots on a datastore holding the MFT and NMST components (guide 2.1), applied in order. */
    depots: z.array(depotPathSchema()).min(1, 'must list at least one depot').max(4, 'at most 4 depots'),
    /** `esxcli software component apply -d` (ESXi 7+) or `esxcli software vib install -d`. */
    method: z.enum(['component', 'vib']).default('component'),
  }),
}));

export const desiredHostOverrideSchema = lazy(() => {
  const fields = hostFields();
  return z.strictObject({
    mode: fields.mode.optional(),
    numVfs: fields.numVfs.optional(),
    maxVfs: fields.maxVfs.optional(),
    versions: fields.versions.optional(),
    mftInstall: fields.mftInstall.optional(),
  });
});
export type DesiredHostOverride = z.infer<ReturnType<typeof desiredHostOverrideSchema>>;

/** The fields of a cluster's desired state that the host workflows need (see desiredClusterSchema). */
export const desiredClusterShape = lazy(() => {
  const fields = hostFields();
  return {
    mode: fields.mode,
    numVfs: fields.numVfs.optional(),
    maxVfs: fields.maxVfs.optional(),
    versions: fields.versions.optional(),
    mftInstall: fields.mftInstall.optional(),
    /**
     * The cluster's hosts are managed by a vSphere Lifecycle Manager image: ibfleet never installs software
     * on them (it would drift from the image); it says which components to add to the image instead.
     */
    vlcmImage: z.boolean().default(false),
    /** Per host name: the fields that differ from the cluster's. */
    hostOverrides: z.record(nameSchema, desiredHostOverrideSchema()).optional(),
  };
});

type ClusterFields = {
  mode: DesiredMode;
  numVfs?: number;
  maxVfs?: number;
  hostOverrides?: Record<string, DesiredHostOverride>;
};

/**
 * The rules every host's merged state must follow, each reported at the field that breaks it (the
 * override's when the host overrides it): SR-IOV needs numVfs and maxVfs that fit the guide's VF rule;
 * passthrough takes neither.
 */
export function checkDesiredCluster(c: ClusterFields, ctx: z.RefinementCtx): void {
  const check = (
    label: string,
    o: DesiredHostOverride,
    at: (field: 'mode' | 'numVfs' | 'maxVfs') => (string | number)[],
  ): void => {
    const mode = o.mode ?? c.mode;
    const numVfs = o.numVfs ?? c.numVfs;
    const maxVfs = o.maxVfs ?? c.maxVfs;
    // The rule broken by an override is reported at the override's field (numVfs, else maxVfs).
    const rulePath =
      o.numVfs !== undefined ? at('numVfs') : o.maxVfs !== undefined ? at('maxVfs') : ['numVfs'];
    if (mode === 'passthrough') {
      // Only the fields this level sets are wrong: a passthrough host under an SR-IOV cluster inherits its numbers.
      for (const f of ['numVfs', 'maxVfs'] as const)
        if ((label === '' ? c[f] : o[f]) !== undefined)
          ctx.addIssue({ code: 'custom', path: at(f), message: `is for mode sriov only${label}` });
      return;
    }
    for (const f of ['numVfs', 'maxVfs'] as const)
      if ((f === 'numVfs' ? numVfs : maxVfs) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: at(f),
          message: `is required with mode sriov${label} (the guide's NUM_OF_VFS / max_vfs, section 3.1)`,
        });
    if (numVfs !== undefined && maxVfs !== undefined && vfPortsFit(numVfs, maxVfs) < 1)
      ctx.addIssue({ code: 'custom', path: rulePath, message: vfRuleMessage(maxVfs) + label });
  };
  // The cluster itself (for hosts without overrides), then every override merged over it.
  check('', {}, (f) => [f]);
  for (const [host, o] of Object.entries(c.hostOverrides ?? {}))
    check(` (host ${host})`, o, (f) => ['hostOverrides', host, f]);
}

export const desiredClusterSchema = lazy(() =>
  z.strictObject(desiredClusterShape()).superRefine(checkDesiredCluster),
);
export type DesiredCluster = z.infer<ReturnType<typeof desiredClusterSchema>>;

/** Inventory names, each once (a name twice would run its switch or pair twice). */
const uniqueNames = (what: string) =>
  z
    .array(nameSchema)
    .min(1, `must name at least one ${what}`)
    .refine((names) => new Set(names).size === names.length, `must name each ${what} once`);

/**
 * The fabric a cluster needs (guide 4): the switches serving it, by inventory name (`switches:`), and
 * whether their subnet manager must run with OpenSM virtualization (4.2: SR-IOV VFs get no vGUID and no
 * link without it). `ibfleet plan` reads each switch; `ibfleet apply` runs switch-sm-virt on those that
 * differ, with minVersion / restartSm as that procedure's parameters.
 */
export const desiredFabricSchema = lazy(() =>
  z.strictObject({
    switches: uniqueNames('switch'),
    smVirtualization: z.boolean(),
    minVersion: switchSmVirtParamsSchema().shape.minVersion,
    restartSm: switchSmVirtParamsSchema().shape.restartSm,
  }),
);
export type DesiredFabric = z.infer<ReturnType<typeof desiredFabricSchema>>;

/**
 * The bandwidth gate of a cluster: its guest pairs (inventory names) must reach the threshold of line
 * rate with perftest, checked by validate-bandwidth (these are its parameters) once the hosts and the
 * switches have converged.
 */
export const desiredBandwidthGateSchema = lazy(() =>
  z.strictObject({
    pairs: uniqueNames('guest pair'),
    ...validateBandwidthParamsSchema().shape,
  }),
);
export type DesiredBandwidthGate = z.infer<ReturnType<typeof desiredBandwidthGateSchema>>;

/** The parameters of the `converge` procedure: each cluster's desired state, once per cluster. */
export const convergeParamsSchema = lazy(() =>
  z.strictObject({
    /** Per cluster name (every cluster of the hosts it runs on must be here). */
    clusters: z.record(nameSchema, desiredClusterSchema()).default({}),
    /** Read and plan only (`ibfleet plan`): the workflow returns the plan and changes nothing. */
    dryRun: z.boolean().default(false),
  }),
);
export type ConvergeParams = z.infer<ReturnType<typeof convergeParamsSchema>>;

/** The desired state of one host: its cluster's, with its overrides applied. */
export interface DesiredHostState {
  mode: DesiredMode;
  /** Set in mode sriov. */
  numVfs?: number;
  maxVfs?: number;
  versions: { nmlx5?: string; mft?: string; nmst?: string };
  mftInstall?: { depots: string[]; method: 'component' | 'vib' };
  vlcmImage: boolean;
}

export function desiredHostState(cluster: DesiredCluster, host: string): DesiredHostState {
  const o = cluster.hostOverrides?.[host] ?? {};
  const mode = o.mode ?? cluster.mode;
  const versions = { ...(cluster.versions ?? {}), ...(o.versions ?? {}) };
  const mftInstall = o.mftInstall ?? cluster.mftInstall;
  return {
    mode,
    ...(mode === 'sriov' ? { numVfs: o.numVfs ?? cluster.numVfs, maxVfs: o.maxVfs ?? cluster.maxVfs } : {}),
    versions,
    ...(mftInstall ? { mftInstall } : {}),
    vlcmImage: cluster.vlcmImage,
  };
}

/**
 * The leading dotted numbers of a VIB version ("4.23.0.66-2vmw.802…" → [4, 23, 0, 66]), compared number
 * by number with a minimum; a version without leading numbers is not known to satisfy anything.
 */
export function versionAtLeast(version: string, minimum: string): boolean {
  const lead = /^\d+(?:\.\d+)*/.exec(version.trim());
  if (!lead) return false;
  const have = lead[0].split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0;
    if (h !== want[i]) return h > want[i];
  }
  return true;
}
