import { z } from 'zod';
import { addressProblem } from './addresses';
import { valueShapes } from './command-values';
import { vcenterRefSchema } from './vcenter-schemas';
import type { CredentialRef, GuestPairRef, GuestRef, HostRef, SwitchRef, TargetRef } from './targets';

// The shapes of everything that names or reaches a machine: names, addresses, ports, usernames, host
// keys, credential references, RDMA devices, tags; and the resolved targets built from them. One set
// of schemas for the CLI (the inventory file, client/inventory/schema.ts) and for the workflows (their
// input, validated again because anything that can reach the namespace can start a workflow).
// Deterministic and cheap: regular expressions in linear time and plain string functions.

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const HOST_KEY_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
/** POSIX portable user names (plus "@" for directory users such as svc@corp.example); ESXi's fit. */
const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Names end up in workflow IDs (ibfleet/host/<name>) and search attributes. */
export const nameSchema = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(NAME_PATTERN, 'must start with a letter or digit and contain only letters, digits, ".", "_" or "-"');

/** IPv4, IPv6 or an RFC 1123 host name (common/addresses.ts). */
export const addressSchema = z.string().superRefine((value, ctx) => {
  const problem = addressProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const portSchema = z.number().int('must be an integer from 1 to 65535').min(1).max(65535);

export const usernameSchema = z
  .string()
  .regex(
    USERNAME_PATTERN,
    'must be a user name: 1-64 letters, digits, ".", "_", "-" or "@", starting with a letter, digit or "_"',
  );

/** A pinned host key as the inventory must write it. */
export const hostKeySchema = z
  .string()
  .regex(HOST_KEY_PATTERN, 'must be an OpenSSH SHA256 fingerprint: "SHA256:" and 43 base64 characters');

export const envNameSchema = z
  .string()
  .regex(ENV_NAME_PATTERN, 'must be an environment variable name such as IBFLEET_PASSWORD');

const filePathSchema = z
  .string()
  .min(1, 'must be a file path')
  .max(4096, 'must be at most 4096 characters')
  .refine((p) => !CONTROL_CHARACTER.test(p), 'must be a file path without control characters');

/** A credential *reference*: the secret itself is read by the worker only. */
export const credentialSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('private-key'),
    path: filePathSchema,
    passphraseEnv: envNameSchema.optional(),
  }),
  z.strictObject({ type: z.literal('agent'), socketEnv: envNameSchema.optional() }),
  z.strictObject({ type: z.literal('password-env'), env: envNameSchema }),
]);

export const tagSchema = z.string().regex(TAG_PATTERN, 'must be a tag such as cx7 or rack-4');
export const tagsSchema = z.array(tagSchema);

/** An RDMA device as `ibv_devices` names it; it reaches the perftest command line (same shape as there). */
export const ibDeviceSchema = z
  .string()
  .refine((d) => valueShapes.rdmaDevice.test(d), `must be ${valueShapes.rdmaDevice.rule}`);

// ---- resolved targets (common/targets.ts), as workflows receive them ---------------------------

/**
 * The pin a workflow receives. The CLI only sends pinned SHA256 fingerprints (hostKeySchema); the
 * SSH layer compares the pin with the presented key before authenticating and refuses an empty or
 * malformed one per host, saying what the host presented. A pin never reaches a command line, so
 * workflows only bound it (it does appear in failure messages).
 */
const hostKeyPinSchema = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .refine((k) => !CONTROL_CHARACTER.test(k), 'must not contain control characters');

const endpointRefFields = {
  name: nameSchema,
  address: addressSchema,
  port: portSchema,
  username: usernameSchema,
  hostKey: hostKeyPinSchema,
  credential: credentialSchema,
};

export const hostRefSchema = z.strictObject({
  kind: z.literal('esxi'),
  ...endpointRefFields,
  cluster: nameSchema,
  tags: tagsSchema,
  /** The host's cluster runs vSAN: maintenance mode with `-m`, one host of the cluster at a time. */
  vsan: z.boolean().optional(),
  /** The vCenter of the host's cluster: url, username, credential reference and pinned thumbprint. */
  vcenter: vcenterRefSchema.optional(),
});

export const switchRefSchema = z.strictObject({
  kind: z.literal('switch'),
  ...endpointRefFields,
  tags: tagsSchema,
});

export const guestRefSchema = z.strictObject({
  ...endpointRefFields,
  /** Address the perftest client connects to (IPoIB / data network). */
  dataAddress: addressSchema,
  ibDevice: ibDeviceSchema,
});

export const guestPairRefSchema = z.strictObject({
  kind: z.literal('guest-pair'),
  name: nameSchema,
  cluster: nameSchema.optional(),
  tags: tagsSchema,
  server: guestRefSchema,
  client: guestRefSchema,
});

export const targetRefSchema = z.discriminatedUnion('kind', [
  hostRefSchema,
  switchRefSchema,
  guestPairRefSchema,
]);

/** The schema of each target kind (a procedure acts on one kind). */
export const targetRefSchemas = {
  esxi: hostRefSchema,
  switch: switchRefSchema,
  'guest-pair': guestPairRefSchema,
} as const;

// The schemas describe exactly the interfaces of common/targets.ts (checked at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.infer<typeof credentialSchema>, CredentialRef>,
  Same<z.infer<typeof hostRefSchema>, HostRef>,
  Same<z.infer<typeof switchRefSchema>, SwitchRef>,
  Same<z.infer<typeof guestRefSchema>, GuestRef>,
  Same<z.infer<typeof guestPairRefSchema>, GuestPairRef>,
  Same<z.infer<typeof targetRefSchema>, TargetRef>,
] = [true, true, true, true, true, true];
void sameShapes;
