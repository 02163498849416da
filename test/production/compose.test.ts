import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ibSearchAttributes } from '../../common/search-attributes';

// No Docker engine runs here, so the compose stack and the Dockerfile are checked statically.

const root = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  secrets?: string[];
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

/** A tag that is an exact version: digits and dots (at least major.minor), optionally a variant suffix. */
const PINNED = /^[a-z0-9][a-z0-9._/-]*:\d+\.\d+(\.\d+)*(-[a-z0-9.]+)*$/;

describe('production: docker-compose.yml (static checks)', () => {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  const services = compose.services;
  const env = (name: string) => services[name]?.environment ?? {};

  it('parses and has the whole stack', () => {
    for (const name of [
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'ibfleet-worker',
      'ibfleet-codec-token',
      'ibfleet-codec-server',
    ]) {
      assert.ok(services[name], `service ${name} missing`);
    }
  });

  it('pins every image to an exact version (no latest, no bare major)', () => {
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.image, `${name} has no image`);
      assert.match(service.image, PINNED, `${name}: ${service.image}`);
      assert.doesNotMatch(service.image, /latest/);
    }
    assert.match(services.postgresql.image ?? '', /^postgres:16\./);
    const worker = services['ibfleet-worker'];
    const version = (
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
    ).version;
    assert.equal(
      worker.image,
      `ibfleet-worker:${version}`,
      'the worker image is tagged with the package version',
    );
    assert.ok(worker.build, 'the worker is built from the Dockerfile');
    // The admin tools run the same Temporal release as the server.
    assert.equal(services['temporal-schema'].image?.split(':')[1], services.temporal.image?.split(':')[1]);
    assert.equal(services['temporal-setup'].image, services['temporal-schema'].image);
  });

  it('depends only on services that exist, with conditions that fit them', () => {
    const oneShots = new Set(['temporal-schema', 'temporal-setup', 'ibfleet-codec-token']);
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on ?? {};
      assert.ok(!Array.isArray(deps), `${name}: depends_on should state conditions`);
      for (const [target, { condition }] of Object.entries(deps)) {
        assert.ok(services[target], `${name} depends on missing service ${target}`);
        if (oneShots.has(target))
          assert.equal(condition, 'service_completed_successfully', `${name} -> ${target}`);
        if (condition === 'service_healthy')
          assert.ok(services[target].healthcheck, `${target} has no healthcheck`);
      }
    }
    const dependsOn = (name: string) => services[name].depends_on as Record<string, { condition: string }>;
    assert.equal(dependsOn('temporal')['temporal-schema'].condition, 'service_completed_successfully');
    assert.equal(dependsOn('ibfleet-worker')['temporal-setup'].condition, 'service_completed_successfully');
  });

  it('keeps PostgreSQL data in a named volume and the password out of the file', () => {
    assert.ok(compose.volumes && 'postgres-data' in compose.volumes);
    assert.ok(services.postgresql.volumes?.includes('postgres-data:/var/lib/postgresql/data'));
    assert.ok(services.postgresql.healthcheck);
    assert.match(env('postgresql').POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?/);
    assert.equal(env('temporal').POSTGRES_PWD.split(':')[0], '${POSTGRES_PASSWORD');
  });

  it('sets up both SQL stores with temporal-sql-tool', () => {
    const script = fs.readFileSync(path.join(root, 'deploy', 'temporal', 'setup-postgres.sh'), 'utf8');
    assert.match(script, /temporal-sql-tool/);
    assert.match(script, /setup "\$\{DBNAME:-temporal\}" temporal/);
    assert.match(script, /setup "\$\{VISIBILITY_DBNAME:-temporal_visibility\}" visibility/);
    assert.equal(env('temporal').DB, 'postgres12');
    assert.equal(env('temporal').VISIBILITY_DBNAME, env('temporal-schema').VISIBILITY_DBNAME);
    assert.equal(env('temporal').DBNAME, env('temporal-schema').DBNAME);
  });

  it('registers exactly the search attributes in common/search-attributes.ts, as Keyword', () => {
    const registered = env('temporal-setup')
      .IBFLEET_SEARCH_ATTRIBUTES.split(',')
      .map((spec) => spec.split('='));
    assert.deepEqual(
      registered.map(([name]) => name),
      ibSearchAttributes.map((key) => key.name),
    );
    for (const [name, type] of registered) assert.equal(type, 'Keyword', name);
    assert.ok(ibSearchAttributes.every((key) => key.type === 'KEYWORD'));
    assert.equal(env('temporal-setup').IBFLEET_NAMESPACE, env('ibfleet-worker').TEMPORAL_NAMESPACE);
    assert.equal(env('temporal-ui').TEMPORAL_DEFAULT_NAMESPACE, env('ibfleet-worker').TEMPORAL_NAMESPACE);
  });

  it('gives the worker its connection, task queue, ports, secrets and read-only mounts', () => {
    const worker = services['ibfleet-worker'];
    const e = env('ibfleet-worker');
    assert.equal(e.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(e.TEMPORAL_NAMESPACE);
    assert.equal(e.IBFLEET_TASK_QUEUE, 'ibfleet');
    assert.equal(e.IBFLEET_WORKFLOW_BUNDLE, '/app/dist/workflow-bundle.js');
    assert.equal(e.IBFLEET_CODEC_KEY_FILE, '/run/secrets/ibfleet-codec-keys');
    const published = (worker.ports ?? []).map((port) => port.split(':').slice(-2).join(':'));
    assert.ok(published.includes(`${e.IBFLEET_METRICS_PORT}:${e.IBFLEET_METRICS_PORT}`), 'metrics port');
    assert.ok(published.includes(`${e.IBFLEET_HEALTH_PORT}:${e.IBFLEET_HEALTH_PORT}`), 'health port');
    for (const port of worker.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, 'published on loopback only');
    assert.ok(worker.healthcheck?.test.join(' ').includes(`127.0.0.1:${e.IBFLEET_HEALTH_PORT}/healthz`));
    assert.ok(worker.secrets?.includes('ibfleet-codec-keys') && compose.secrets?.['ibfleet-codec-keys']);

    const mounts = (worker.volumes ?? []).map((volume) => {
      assert.ok(typeof volume === 'object', 'long volume syntax, so read_only is explicit');
      return volume;
    });
    const byTarget = new Map(mounts.map((mount) => [mount.target, mount]));
    assert.ok(byTarget.get('/etc/ibfleet/inventory.yaml'), 'inventory mount');
    assert.ok(byTarget.get('/etc/ibfleet/keys'), 'SSH key mount next to the inventory (./keys/...)');
    assert.ok(mounts.every((mount) => mount.read_only === true));

    const codec = services['ibfleet-codec-server'];
    assert.equal(codec.image, worker.image);
    assert.deepEqual(codec.command, ['node', 'dist/worker/codec-server.js']);
    assert.equal(
      env('temporal-ui').TEMPORAL_CODEC_ENDPOINT,
      `http://localhost:${env('ibfleet-codec-server').IBFLEET_CODEC_PORT}`,
    );
    assert.equal(
      env('ibfleet-codec-server').IBFLEET_CODEC_CORS_ORIGIN,
      env('temporal-ui').TEMPORAL_CORS_ORIGINS,
    );
  });

  it('exposes health and metrics from the container on purpose (their default is loopback)', () => {
    const e = env('ibfleet-worker');
    // The published ports and Prometheus on the compose network reach the container's address.
    assert.equal(e.IBFLEET_METRICS_HOST, '0.0.0.0');
    assert.equal(e.IBFLEET_HEALTH_HOST, '0.0.0.0');
  });

  it('runs the codec server with a generated Authorization value, loopback-published, Host-checked', () => {
    const codec = services['ibfleet-codec-server'];
    const e = env('ibfleet-codec-server');
    const allEnv = Object.values(services).flatMap((service) => Object.entries(service.environment ?? {}));
    assert.ok(
      !allEnv.some(([name, value]) => name === 'IBFLEET_CODEC_AUTH' && /^off$/i.test(String(value).trim())),
      'authentication is never turned off',
    );
    assert.equal(e.IBFLEET_CODEC_AUTH, undefined, 'no Authorization value written into the file');

    // The one-shot writes the value into a named volume that the codec server mounts read-only.
    const token = services['ibfleet-codec-token'];
    assert.equal(token.image, services['ibfleet-worker'].image);
    assert.ok(token.build);
    const command = token.command as string[];
    assert.deepEqual(command.slice(0, 2), ['node', 'dist/worker/codec-token.js']);
    const tokenFile = command[2];
    assert.equal(e.IBFLEET_CODEC_AUTH_FILE, tokenFile);
    const tokenDir = path.posix.dirname(tokenFile);
    assert.ok(compose.volumes && 'codec-auth' in compose.volumes);
    assert.ok(token.volumes?.includes(`codec-auth:${tokenDir}`), 'the one-shot mounts the volume writable');
    assert.ok(codec.volumes?.includes(`codec-auth:${tokenDir}:ro`), 'the codec server mounts it read-only');
    const dependsOn = codec.depends_on as Record<string, { condition: string }>;
    assert.equal(dependsOn['ibfleet-codec-token']?.condition, 'service_completed_successfully');

    // Listens on all interfaces in the container (its default is loopback), published on loopback only.
    assert.equal(e.IBFLEET_CODEC_HOST, '0.0.0.0');
    assert.ok(codec.ports?.length);
    for (const port of codec.ports ?? []) assert.match(port, /^127\.0\.0\.1:/);
    assert.ok(codec.ports?.includes(`127.0.0.1:${e.IBFLEET_CODEC_PORT}:${e.IBFLEET_CODEC_PORT}`));
    // The UI's endpoint is an accepted Host; the UI sends the session cookie from /login.
    const endpoint = new URL(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT);
    assert.ok(e.IBFLEET_CODEC_ALLOWED_HOSTS.split(',').includes(endpoint.host));
    assert.equal(env('temporal-ui').TEMPORAL_CODEC_INCLUDE_CREDENTIALS, 'true');
    assert.ok(codec.healthcheck?.test.join(' ').includes(`127.0.0.1:${e.IBFLEET_CODEC_PORT}/healthz`));
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        if (!source.startsWith('./')) continue; // named volumes and operator-provided ${...} paths
        assert.ok(fs.existsSync(path.join(root, source)), `${name}: ${source} does not exist`);
      }
    }
    const setup = services['temporal-setup'];
    assert.deepEqual(setup.command, ['/deploy/create-namespace.sh']);
    assert.ok(fs.existsSync(path.join(root, 'deploy/temporal/create-namespace.sh')));
    assert.ok(fs.existsSync(path.join(root, 'deploy/temporal/dynamicconfig/ibfleet.yaml')));
    assert.equal(env('temporal').DYNAMIC_CONFIG_FILE_PATH, 'config/dynamicconfig/ibfleet.yaml');
  });
});

describe('production: Dockerfile (static checks)', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  // Join continuation lines, drop comments: one instruction per entry.
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args = new Map(
    instructions
      .filter((line) => line.startsWith('ARG '))
      .map((line) => line.slice(4).split('=') as [string, string]),
  );
  const stages = instructions.filter((line) => line.startsWith('FROM '));
  const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]));

  it('is multi-stage on a pinned node:20 bookworm-slim image', () => {
    assert.ok(stages.length >= 2, 'at least a build and a runtime stage');
    for (const stage of stages) {
      const image = stage
        .split(/\s+/)[1]
        .replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? '');
      assert.match(image, /^node:20\.\d+\.\d+-bookworm-slim$/, stage);
    }
  });

  it('builds with npm ci, npm run build and npm run bundle; ships production dependencies only', () => {
    assert.ok(
      instructions.some((line) => /^RUN npm ci\b(?!.*--omit=dev)/.test(line)),
      'full npm ci for the build',
    );
    assert.ok(instructions.some((line) => /^RUN npm run build && npm run bundle$/.test(line)));
    assert.ok(
      instructions.some((line) => /^RUN npm ci --omit=dev/.test(line)),
      'a production-only install',
    );
    assert.ok(finalStage.some((line) => /^COPY --from=prod-deps \/app\/node_modules /.test(line)));
    assert.ok(!finalStage.some((line) => /^RUN npm/.test(line)), 'no npm install in the runtime stage');
  });

  it('copies the workflow bundle and points the worker at it', () => {
    assert.ok(
      finalStage.some(
        (line) => line === 'COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js',
      ),
    );
    assert.ok(
      finalStage.some((line) => /^ENV .*IBFLEET_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/.test(line)),
    );
    // The entry point applies the worker's memory budget (worker/start.sh, test/production/worker-memory.test.ts).
    assert.equal(finalStage[finalStage.length - 1], 'CMD ["sh", "dist/worker/start.sh"]');
  });

  it('runs as a non-root user and has a HEALTHCHECK on /healthz', () => {
    const user = finalStage.filter((line) => line.startsWith('USER '));
    assert.equal(user.length, 1);
    assert.doesNotMatch(user[0], /^USER (root|0)(:|$)/);
    assert.ok(finalStage.indexOf(user[0]) < finalStage.findIndex((line) => line.startsWith('CMD ')));
    const healthcheck = finalStage.find((line) => line.startsWith('HEALTHCHECK '));
    assert.ok(healthcheck?.includes('/healthz'));
  });

  it('exposes health and metrics on the container network, and has the codec token directory', () => {
    const env = finalStage.filter((line) => line.startsWith('ENV ')).join(' ');
    assert.match(env, /\bIBFLEET_HEALTH_HOST=0\.0\.0\.0\b/);
    assert.match(env, /\bIBFLEET_METRICS_HOST=0\.0\.0\.0\b/);
    assert.doesNotMatch(
      env,
      /IBFLEET_CODEC_(HOST|AUTH)/,
      'the codec server is exposed by the compose file only',
    );
    assert.ok(
      finalStage.some((line) =>
        /install -d -o ibfleet -g ibfleet -m 0700 \/var\/lib\/ibfleet-codec\b/.test(line),
      ),
      'the volume mount point belongs to the unprivileged user',
    );
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.env', 'secrets', '.git', '.temporal']) {
      assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });
});
