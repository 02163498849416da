import { isIP } from 'node:net';
import { z } from 'zod';

// The inventory file as written (version 1). Strict objects: an unknown key is an error, so a typo
// ("hostkey", "prot") never silently falls back to a default. Defaults and cross-field rules
// (duplicates, missing host keys, cluster references) are applied in resolve.ts / checks.ts.

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const HOST_KEY_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/** Names end up in workflow IDs (ibfleet/host/<name>) and search attributes. */
export const nameSchema = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(NAME_PATTERN, 'must start with a letter or digit and contain only letters, digits, ".", "_" or "-"');

const addressSchema = z
  .string()
  .refine((a) => isIP(a) !== 0 || HOSTNAME_PATTERN.test(a), 'must be an IPv4/IPv6 address or a DNS name');

const portSchema = z.number().int('must be an integer from 1 to 65535').min(1).max(65535);

const hostKeySchema = z
  .string()
  .regex(HOST_KEY_PATTERN, 'must be an OpenSSH SHA256 fingerprint: "SHA256:" and 43 base64 characters');

const envNameSchema = z
  .string()
  .regex(ENV_NAME_PATTERN, 'must be an environment variable name such as IBFLEET_PASSWORD');

export const credentialSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('private-key'),
    path: z.string().min(1, 'must be a file path'),
    passphraseEnv: envNameSchema.optional(),
  }),
  z.strictObject({ type: z.literal('agent'), socketEnv: envNameSchema.optional() }),
  z.strictObject({ type: z.literal('password-env'), env: envNameSchema }),
]);
export type CredentialInput = z.infer<typeof credentialSchema>;

const tagsSchema = z.array(z.string().regex(TAG_PATTERN, 'must be a tag such as cx7 or rack-4'));

const endpointFields = {
  name: nameSchema,
  address: addressSchema,
  port: portSchema.optional(),
  username: z.string().min(1, 'must not be empty').optional(),
  hostKey: hostKeySchema.optional(),
  credential: credentialSchema.optional(),
};

const hostSchema = z.strictObject({ ...endpointFields, tags: tagsSchema.optional() });
const switchSchema = z.strictObject({ ...endpointFields, tags: tagsSchema.optional() });
const guestSchema = z.strictObject({
  ...endpointFields,
  /** Address the perftest client connects to (IPoIB / data network). */
  dataAddress: addressSchema,
  ibDevice: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be an RDMA device name such as mlx5_0'),
});

const clusterSchema = z.strictObject({
  name: nameSchema,
  hosts: z.array(hostSchema).min(1, 'must list at least one host'),
});

const guestPairSchema = z.strictObject({
  name: nameSchema,
  cluster: nameSchema.optional(),
  tags: tagsSchema.optional(),
  server: guestSchema,
  client: guestSchema,
});

const defaultsSchema = z.strictObject({
  username: z.string().min(1, 'must not be empty').optional(),
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
});
export type InventoryFile = z.infer<typeof inventoryFileSchema>;
export type EndpointInput = z.infer<typeof hostSchema> | z.infer<typeof guestSchema>;
export type GuestInput = z.infer<typeof guestSchema>;
