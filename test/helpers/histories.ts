import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** With IBFLEET_RECORD_HISTORIES=1, keep a finished workflow's history as a replay fixture. */
export async function maybeRecordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.IBFLEET_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const dir = path.join(__dirname, '..', 'fixtures', 'histories');
  fs.mkdirSync(dir, { recursive: true });
  const json = JSON.parse(historyToJSON(history)) as unknown;
  fs.writeFileSync(
    path.join(dir, `${name}.json`),
    JSON.stringify({ workflowId: handle.workflowId, history: json }),
  );
}
