import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { createIbfleetWorker } from '../../worker/create-worker';
import { ibfleetBundle } from '../helpers/ibfleet-harness';
import { startRollout, waitForProgress } from '../helpers/rollout-harness';
import { repoRoot } from '../helpers/temporal-cli';

// The Temporal Web UI, in a real (headless) Chromium from Debian, during a real rollout: the rollout is
// listed, filtering by IbRolloutId finds it and its host workflows, and its page shows the progress
// table kept in its current details. Screenshots go to test-artifacts/ui/.

const CHROMIUM = process.env.IBFLEET_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test-artifacts', 'ui');

describe('production: the Temporal UI shows rollouts (headless Chromium)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let fleet: Fleet;
  let browser: Browser;
  let page: Page;
  let client: Client;
  let stopWorker: () => Promise<void>;

  before(async function () {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm run test:setup does)`);
    fs.mkdirSync(artifacts, { recursive: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-ui-'));
    server = await startDevServer({
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: path.join(dir, 'ui.sqlite'),
      logFile: path.join(dir, 'server.log'),
    });
    const native = await NativeConnection.connect({ address: server.address });
    const { worker, runner } = await createIbfleetWorker({
      connection: native,
      taskQueue: 'ui',
      workflowBundle: await ibfleetBundle(),
      tuning: { shutdownGraceTime: '2s' },
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await runner.closeAll();
      await native.close();
    };
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    // Slow boots keep the rollout running while the browser looks at it.
    fleet = await startFleet({ hosts: 3, namePrefix: 'ui-', bootTimeMs: 4_000, controlPort: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await stopWorker?.();
    await client?.connection.close();
    await fleet?.stop();
    await server?.stop();
  });

  it('lists the rollout, filters it and its hosts by IbRolloutId, and shows its progress table', async () => {
    const handle = await startRollout(client, 'ui', 'recovery-cycle', fleet.inventory.hosts, {
      maxParallel: 3,
      perCluster: 0,
    });
    const progress = await waitForProgress(handle, (p) => p.counts.running === 3);
    const rolloutId = progress.rolloutId;

    await page.goto(`${server.uiUrl}/namespaces/default/workflows`);
    await page.getByText(handle.workflowId).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(artifacts, '1-workflows.png') });

    const query = encodeURIComponent(`IbRolloutId="${rolloutId}"`);
    await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${query}`);
    await page.getByText(handle.workflowId).first().waitFor({ timeout: 30_000 });
    for (const h of fleet.inventory.hosts)
      await page.getByText(`ibfleet/host/${h.name}`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(artifacts, '2-filtered-by-rollout.png') });

    const runId = (await handle.describe()).runId;
    await page.goto(
      `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/${runId}/history`,
    );
    await page.getByText('User Metadata').first().click();
    await page
      .getByText(/Current Details/i)
      .first()
      .waitFor({ timeout: 30_000 });
    // The UI renders current details (markdown) in a sandboxed frame: read every frame.
    const detailsText = async () => {
      const texts: string[] = [];
      for (const frame of page.frames())
        texts.push(
          await frame
            .locator('body')
            .innerText()
            .catch(() => ''),
        );
      return texts.join('\n');
    };
    const deadline = Date.now() + 30_000;
    let text = await detailsText();
    while (!/in flight/.test(text) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      text = await detailsText();
    }
    fs.writeFileSync(path.join(artifacts, '3-rollout-current-details.txt'), text);
    assert.match(text, new RegExp(`recovery-cycle rollout ${rolloutId}`));
    assert.match(text, /pending\s+running\s+succeeded\s+failed\s+needs attention/);
    assert.match(text, /in flight\s+cluster\s+since/);
    for (const h of fleet.inventory.hosts) assert.match(text, new RegExp(h.name));
    await page.screenshot({ path: path.join(artifacts, '3-rollout-current-details.png'), fullPage: true });
    await handle.result();
  });
});
