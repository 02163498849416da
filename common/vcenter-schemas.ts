import { z } from 'zod';
import { addressProblem } from './addresses';

// A vCenter as the inventory names it (issue #14): where it is, who logs in, a *reference* to the
// password (read by the worker only, never the secret itself) and the pinned certificate thumbprint
// (verified like host keys: an unknown or changed certificate is refused with what it presented).
// Deterministic and cheap, like common/target-schemas.ts.

/** SHA-256 of the certificate as govc prints it (`govc about.cert -thumbprint`): 32 hex pairs. */
export const THUMBPRINT_PATTERN = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;
/** Variables a vCenter password may be read from (the worker's own settings never qualify). */
export const VCENTER_ENV_PREFIX = 'IBFLEET_VCENTER_';
/** govc v0.46.3 sends no maintenanceSpec, so vCenter applies its default vSAN mode: the only one possible. */
export const GOVC_VSAN_MODE = 'ensureObjectAccessibility';
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export const thumbprintSchema = z
  .string()
  .transform((t) => t.trim().toUpperCase())
  .refine(
    (t) => THUMBPRINT_PATTERN.test(t),
    'must be the certificate\'s SHA-256 thumbprint as govc prints it: 32 hex pairs joined by ":" (govc about.cert -thumbprint)',
  );

export const vcenterUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://vcenter.example.com/sdk' });
    return;
  }
  const problem =
    url.protocol !== 'https:'
      ? 'must use https'
      : url.username || url.password
        ? 'must not carry a user or password (use username and credential)'
        : url.search || url.hash
          ? 'must not have a query or fragment'
          : addressProblem(url.hostname.replace(/^\[|\]$/g, ''));
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const vcenterUsernameSchema = z
  .string()
  .min(1, 'must be a user name such as administrator@vsphere.local')
  .max(256, 'must be at most 256 characters')
  .refine(
    (u) => !CONTROL_CHARACTER.test(u) && !/\s/.test(u),
    'must not contain spaces or control characters',
  );

export const vcenterCredentialSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('password-env'),
    env: z
      .string()
      .regex(
        new RegExp(`^${VCENTER_ENV_PREFIX}[A-Z0-9_]+$`),
        `must be an environment variable named ${VCENTER_ENV_PREFIX}... such as ${VCENTER_ENV_PREFIX}PASSWORD`,
      ),
  }),
  z.strictObject({
    type: z.literal('password-file'),
    path: z
      .string()
      .min(1, 'must be a file path')
      .max(4096, 'must be at most 4096 characters')
      .refine((p) => !CONTROL_CHARACTER.test(p), 'must be a file path without control characters'),
  }),
]);
export type VcenterCredentialRef = z.infer<typeof vcenterCredentialSchema>;

/** A vCenter as a workflow or activity receives it (file paths already absolute). */
export const vcenterRefSchema = z.strictObject({
  url: vcenterUrlSchema,
  username: vcenterUsernameSchema,
  credential: vcenterCredentialSchema,
  thumbprint: thumbprintSchema,
});
export type VcenterRef = z.infer<typeof vcenterRefSchema>;
