import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KEY_DIRS } from '../../activities/ssh/credential-policy';
import { repoRoot } from './temporal-cli';

// The credential policy of test workers and of the CLI in tests (activities/ssh/credential-policy.ts):
// simulated fleets and tests keep their generated client keys in the temp directory or under .state,
// so those are allowed key directories besides the defaults; password variables keep the default
// prefix IBFLEET_SSH_.
// The root hook puts this into process.env (in-process workers and spawned worker processes read it);
// the CLI harness passes it as the CLI's environment.
export const TEST_CREDENTIAL_POLICY_ENV = {
  IBFLEET_CREDENTIAL_KEY_DIRS: [...DEFAULT_KEY_DIRS, tmpdir(), join(repoRoot, '.state')].join(','),
};
