import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { procedureNames } from '../../common/procedures';
import { workflowBundle } from '../helpers/temporal-env';

// Recorded histories of every procedure (and rollouts), replayed against the current workflow code:
// a change that would break running workflows fails here. Re-record with IBFLEET_RECORD_HISTORIES=1;
// keep a history recorded before a patched() change (*.before-<patch>.json) until the patch is removed.
const dir = path.join(__dirname, '..', 'fixtures', 'histories');

interface HistoryEventJson {
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: { data?: { payloads?: { data?: string }[] } };
  };
}

/** The activity types a history schedules, and those it runs as local activities, in order. */
function kinds(file: string): { activities: string[]; local: string[] } {
  const { history } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
    history: { events: HistoryEventJson[] };
  };
  const activities = history.events
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => n !== undefined);
  const local = history.events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => {
      const payload = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data ?? '';
      return (JSON.parse(Buffer.from(payload, 'base64').toString()) as { activity_type: string })
        .activity_type;
    });
  return { activities, local };
}

// Which host activity is a local one (workflows/host/activity-proxies.ts, `acts.local`) and which an
// ordinary one: replay fails when the code changes it for a recorded history; this says what it is.
const localHostSteps = [
  'readBootMarker',
  'listMstDevices',
  'setModuleOption',
  'restoreModuleOptions',
  'setMlxconfig',
  'setQuickBoot',
  'setMaintenanceMode',
  'exitMaintenance',
  'readPeerMaintenance',
];

describe('workflows: replay of recorded histories', () => {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

  it('has a recorded history for every procedure and a rollout', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const p of [...procedureNames, 'rollout']) {
      assert.ok(
        names.some((n) => n.startsWith(p)),
        `a recorded history for ${p} (have: ${names.join(', ')})`,
      );
    }
  });

  it('since the ibfleet-compact-steps patch: short host steps are local activities, each reboot and its wait one activity', () => {
    assert.deepEqual(kinds('recovery-cycle.before-vm-policy.json'), {
      activities: ['readHostFacts', 'rebootAndAwaitReturn', 'rebootAndAwaitReturn'],
      local: [
        'setModuleOption',
        'setMaintenanceMode',
        'readBootMarker',
        'listMstDevices',
        'restoreModuleOptions',
        'readBootMarker',
        'listMstDevices',
        'setMaintenanceMode',
      ],
    });
    // Since the ibfleet-vm-policy patch: the VMs are read, stopped and maintenance mode entered (with -t)
    // before the first change, as ordinary activities (the VM list is in history before any VM stops).
    assert.deepEqual(kinds('recovery-cycle-vm-shutdown.json'), {
      activities: [
        'readHostFacts',
        'listVms',
        'stopVms',
        'enterMaintenance',
        'rebootAndAwaitReturn',
        'rebootAndAwaitReturn',
        'startVms',
      ],
      local: [
        'setModuleOption',
        'readBootMarker',
        'listMstDevices',
        'restoreModuleOptions',
        'readBootMarker',
        'listMstDevices',
        'exitMaintenance',
      ],
    });
    // The history recorded before the patch, which must still replay: every step an activity.
    const before = kinds('recovery-cycle.before-compact-steps.json');
    assert.equal(before.local.length, 0);
    assert.equal(before.activities.length, 13);
  });

  it('since the ibfleet-compact-steps patch, in every host history: exactly the short steps (acts.local) are local activities', () => {
    const hostHistories = files.filter((f) => !f.startsWith('rollout') && !/^(switch|validate)/.test(f));
    assert.ok(hostHistories.length > 10);
    for (const file of hostHistories) {
      const { activities, local } = kinds(file);
      if (file.includes('.before-compact-steps.')) {
        assert.deepEqual(local, [], file);
        continue;
      }
      for (const a of local) assert.ok(localHostSteps.includes(a), `${file}: ${a} is a local activity`);
      for (const a of activities)
        assert.ok(!localHostSteps.includes(a), `${file}: ${a} is an ordinary activity`);
    }
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
        workflowId?: string;
        history: unknown;
      };
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(require.resolve('../../workflows')) },
        historyFromJSON(json.history),
        json.workflowId ?? file,
      );
    });
  }
});
