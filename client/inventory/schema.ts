import { z } from 'zod';
import {
  addressSchema,
  credentialSchema,
  hostKeySchema,
  ibDeviceSchema,
  nameSchema,
  portSchema,
  tagsSchema,
  usernameSchema,
} from '../../common/target-schemas';
import { inventoryDesiredSchema } from './desired';
import { vcenterRefSchema } from '../../common/vcenter-schemas';

// The inventory file as written (version 1). Strict objects: an unknown key is an error, so a typo
// ("hostkey", "prot") never silently falls back to a default. Defaults and cross-field rules
// (duplicates, missing host keys, cluster references) are applied in resolve.ts / checks.ts.
// The field shapes are common/target-schemas.ts: the very ones workflows check their input with.

export { credentialSchema, HOST_KEY_PATTERN, NAME_PATTERN, nameSchema } from '../../common/target-schemas';
export type CredentialInput = z.infer<typeof credentialSchema>;

const endpointFields = {
  name: nameSchema,
  address: addressSchema,
  port: portSchema.optional(),
  username: usernameSchema.optional(),
  hostKey: hostKeySchema.optional(),
  credential: credentialSchema.optional(),
};

const hostSchema = z.strictObject({ ...endpointFields, tags: tagsSchema.optional() });
const switchSchema = z.strictObject({ ...endpointFields, tags: tagsSchema.optional() });
const guestSchema = z.strictObject({
  ...endpointFields,
  /** Address the perftest client connects to (IPoIB / data network). */
  dataAddress: addressSchema,
  ibDevice: ibDeviceSchema,
});

const clusterSchema = z.strictObject({
  name: nameSchema,
  hosts: z.array(hostSchema).min(1, 'must list at least one host'),
  /** The cluster runs vSAN: its hosts enter maintenance mode with `-m` (--vsan-mode), one at a time. */
  vsan: z.boolean().optional(),
  /** The declared state of the cluster's hosts (`ibfleet plan` / `apply`). */
  desired: inventoryDesiredSchema.optional(),
  /** This cluster's vCenter (overrides the global one); false: this cluster goes over SSH only. */
  vcenter: z.union([vcenterRefSchema, z.literal(false)]).optional(),
  /** Hosts of this cluster out of service together, at most, across all rollouts (a lease per cluster). */
  maxUnavailable: z.number().int().min(1).max(1000).optional(),
});

const guestPairSchema = z.strictObject({
  name: nameSchema,
  cluster: nameSchema.optional(),
  tags: tagsSchema.optional(),
  server: guestSchema,
  client: guestSchema,
});

const defaultsSchema = z.strictObject({
  username: usernameSchema.optional(),
  port: portSchema.optional(),
  credential: credentialSchema.optional(),
});

export const inventoryFileSchema = z.strictObject({
  version: z.literal(1, 'must be 1 (the only inventory format version)'),
  defaults: defaultsSchema.optional(),
  /** Lets hosts without hostKey load (for the first `scan-keys --write`); rollouts still refuse them. */
  allowUnpinnedHostKeys: z.boolean().optional(),
  clusters: z.array(clusterSchema).optional(),
  switches: z.array(switchSchema).optional(),
  guestPairs: z.array(guestPairSchema).optional(),
  /** The vCenter of every cluster that names none of its own (issue #14). */
  vcenter: vcenterRefSchema.optional(),
});
export type InventoryFile = z.infer<typeof inventoryFileSchema>;
export type EndpointInput = z.infer<typeof hostSchema> | z.infer<typeof guestSchema>;
export type GuestInput = z.infer<typeof guestSchema>;
