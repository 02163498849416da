import path from 'node:path';
import * as desiredState from '../../common/desired-state';
import type { ProcedureInput, ProcedureName } from '../../common/procedures';
import * as params from '../../common/procedures/params';
import { validateProcedureInput } from '../../workflows/host/validate';

// Child process for lazy-schemas.test.ts (fresh module instances, as each workflow has its own): loads
// a host workflow's module (argv[2]) and everything it imports, validates an input of a procedure
// (argv[3], input JSON argv[4]) as that workflow does first, and prints which of the procedures'
// params and the desired state's schemas were built after each step, and the dry-run plan's modules
// (common/plan/) that were loaded.

function builtSchemas(): string[] {
  return Object.entries({ ...params, ...desiredState })
    .filter(([, value]) => typeof value === 'function' && (value as { built?: boolean }).built === true)
    .map(([name]) => name)
    .sort();
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the workflow module under test
require(path.resolve(process.argv[2]));
const afterImport = builtSchemas();
const planModules = Object.keys(require.cache)
  .map((file) => path.relative(path.resolve(__dirname, '..', '..'), file))
  .filter((file) => file.startsWith(path.join('common', 'plan')));
validateProcedureInput(JSON.parse(process.argv[4]) as ProcedureInput, process.argv[3] as ProcedureName);
process.stdout.write(JSON.stringify({ afterImport, planModules, afterValidate: builtSchemas() }));
