import { z } from 'zod';
import { lazy } from '../lazy';
import { MAX_NUM_OF_VFS, MAX_VFS_PER_PORT, vfPortsFit, vfRuleMessage } from '../vf-rule';

// The validated parameters of each procedure (`--set KEY=VALUE`), with their defaults. Each schema is
// built on its first use (common/lazy.ts): a host workflow builds only its own procedure's.

const mstDevice = () =>
  z.string().regex(/^mt\d{4,5}_pciconf\d+$/, 'must be an mst device name such as mt4129_pciconf0');

export const preflightParamsSchema = lazy(() =>
  z.strictObject({
    /** ESXi version the host must run (prefix match, e.g. "8." or "8.0.2"). */
    esxiVersionPrefix: z.string().min(1).default('8.'),
    /** Require the MFT and NMST VIBs (needed for mst/mlxconfig). */
    requireMft: z.boolean().default(true),
  }),
);

export const recoveryCycleParamsSchema = lazy(() => z.strictObject({}));

export const sriovEnableParamsSchema = lazy(() =>
  z
    .strictObject({
      /** NUM_OF_VFS written to each card's firmware. */
      numVfs: z.number().int().min(1).max(MAX_NUM_OF_VFS).default(16),
      /** VFs the driver creates on each nmlx5 port (the max_vfs module parameter). */
      maxVfs: z.number().int().min(1).max(MAX_VFS_PER_PORT).default(4),
      /** mst devices to configure; all cards found when omitted. */
      devices: z.array(mstDevice()).min(1).optional(),
      /** If the firmware values are still only "Next Boot" after the reboot (Quick Boot), cold-reboot once. */
      allowColdReboot: z.boolean().default(true),
    })
    .superRefine((p, ctx) => {
      // Checked before anything starts for the least a card can have (one port); the workflow checks
      // each card's real port count again (workflows/host/sriov-enable.ts) before changing anything.
      if (vfPortsFit(p.numVfs, p.maxVfs) >= 1) return;
      ctx.addIssue({
        code: 'custom',
        path: ['numVfs'],
        message: vfRuleMessage(p.maxVfs),
      });
    }),
);

export const sriovDisableParamsSchema = lazy(() =>
  z.strictObject({
    devices: z.array(mstDevice()).min(1).optional(),
    allowColdReboot: z.boolean().default(true),
  }),
);

export const moduleReloadParamsSchema = lazy(() =>
  z.strictObject({
    /** Reload even if nmlx5_core looks loaded (normally the procedure only acts when it is not). */
    force: z.boolean().default(false),
  }),
);

export const switchSmVirtParamsSchema = lazy(() =>
  z.strictObject({
    /** Oldest MLNX-OS release accepted (the guide's switches ran 3.11.1004). */
    minVersion: z
      .string()
      .regex(/^\d+(\.\d+){1,3}$/, 'must be a dotted version such as 3.10.4000')
      .default('3.10.4000'),
    /** Restart the SM after enabling virtualization, as published practice does. */
    restartSm: z.boolean().default(true),
  }),
);

export const validateBandwidthParamsSchema = lazy(() =>
  z.strictObject({
    test: z.enum(['ib_send_bw', 'ib_write_bw', 'ib_read_bw']).default('ib_send_bw'),
    queuePairs: z.number().int().min(1).max(64).default(4),
    bidirectional: z.boolean().default(false),
    /** Line rate of one port in Gb/s; bidirectional tests expect twice this. */
    lineRateGbps: z.number().positive().max(3200).default(400),
    /** Pass when the average at the largest message size is at least this fraction of line rate. */
    threshold: z.number().gt(0).max(1).default(0.95),
    /** Port the perftest server listens on. */
    port: z.number().int().min(1024).max(65535).default(18515),
  }),
);

export type PreflightParams = z.infer<ReturnType<typeof preflightParamsSchema>>;
export type SriovEnableParams = z.infer<ReturnType<typeof sriovEnableParamsSchema>>;
export type SriovDisableParams = z.infer<ReturnType<typeof sriovDisableParamsSchema>>;
export type ModuleReloadParams = z.infer<ReturnType<typeof moduleReloadParamsSchema>>;
export type SwitchSmVirtParams = z.infer<ReturnType<typeof switchSmVirtParamsSchema>>;
export type ValidateBandwidthParams = z.infer<ReturnType<typeof validateBandwidthParamsSchema>>;
