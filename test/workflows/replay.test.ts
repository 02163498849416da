import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../helpers/temporal-env';

// Recorded histories of every procedure (and rollouts), replayed against the current workflow code:
// a change that would break running workflows fails here. Re-record with IBFLEET_RECORD_HISTORIES=1.
const dir = path.join(__dirname, '..', 'fixtures', 'histories');

describe('workflows: replay of recorded histories', () => {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

  it('has a recorded history for every procedure and a rollout', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const p of ['preflight', 'recovery-cycle', 'sriov-enable', 'sriov-disable', 'module-reload', 'switch-sm-virt', 'validate-bandwidth', 'rollout']) {
      assert.ok(names.some((n) => n.startsWith(p)), `a recorded history for ${p} (have: ${names.join(', ')})`);
    }
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { workflowId?: string; history: unknown };
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(require.resolve('../../workflows')) },
        historyFromJSON(json.history),
        json.workflowId ?? file,
      );
    });
  }
});
