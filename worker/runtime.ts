import { inspect } from 'node:util';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import {
  DefaultLogger,
  Runtime,
  type LogEntry,
  type Logger,
  type RuntimeOptions,
  type TelemetryOptions,
} from '@temporalio/worker';

// The worker process's Temporal Runtime: a Prometheus endpoint for SDK metrics and one logger for
// everything (ibfleet, the TS SDK, and Rust Core's forwarded logs), as JSON lines for log shippers
// or as readable lines for a terminal. Runtime.install must run before any connection is made.

export type LogFormat = 'json' | 'pretty';

export interface RuntimeSettings {
  /** Prometheus port; 'off' disables the exporter. Default: IBFLEET_METRICS_PORT, else 9464. */
  metricsPort?: number | 'off';
  /** Address the metrics endpoint binds to. Default: IBFLEET_METRICS_HOST, else 127.0.0.1. */
  metricsHost?: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
}

export const DEFAULT_METRICS_PORT = 9464;
/** Loopback unless exposed on purpose (containers set IBFLEET_METRICS_HOST=0.0.0.0). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** IBFLEET_LOG_FORMAT (json|pretty; default json unless stderr is a terminal), IBFLEET_LOG_LEVEL (default INFO). */
export function runtimeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const format = env.IBFLEET_LOG_FORMAT?.toLowerCase() || (process.stderr.isTTY ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new Error('IBFLEET_LOG_FORMAT must be json or pretty');
  const level = (env.IBFLEET_LOG_LEVEL?.toUpperCase() || 'INFO') as LogLevel;
  if (!LEVELS.includes(level)) throw new Error(`IBFLEET_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  return {
    metricsPort: metricsPortFromEnv(env),
    metricsHost: env.IBFLEET_METRICS_HOST?.trim() || DEFAULT_METRICS_HOST,
    logFormat: format,
    logLevel: level,
  };
}

export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | 'off' {
  const value = env.IBFLEET_METRICS_PORT?.trim();
  if (!value) return DEFAULT_METRICS_PORT;
  if (value.toLowerCase() === 'off') return 'off';
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('IBFLEET_METRICS_PORT must be a port number or "off"');
  }
  return port;
}

/** The RuntimeOptions installRuntime() passes to Runtime.install (separate so it can be tested). */
export function buildRuntimeOptions(
  settings: RuntimeSettings,
  write: (line: string) => void = writeStderr,
): RuntimeOptions {
  const metricsPort = settings.metricsPort ?? metricsPortFromEnv();
  const telemetryOptions: TelemetryOptions = {
    // Core's own logs go through the same logger, so every line has the same shape.
    logging: { filter: { core: coreLevel(settings.logLevel), other: 'ERROR' }, forward: {} },
  };
  if (metricsPort !== 'off') {
    const host = settings.metricsHost || DEFAULT_METRICS_HOST;
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host; // IPv6
    telemetryOptions.metrics = {
      prometheus: { bindAddress: `${bracketed}:${metricsPort}` },
    };
  }
  return { logger: createLogger(settings.logFormat, settings.logLevel, write), telemetryOptions };
}

/** Installs the Runtime once per process; returns it. Call before creating any NativeConnection or Worker. */
export function installRuntime(settings: RuntimeSettings): Runtime {
  const options = buildRuntimeOptions(settings);
  const runtime = Runtime.install(options);
  const metrics = options.telemetryOptions?.metrics;
  runtime.logger.info('Temporal runtime installed', {
    sdkComponent: 'worker',
    metrics: metrics && 'prometheus' in metrics ? `http://${metrics.prometheus.bindAddress}/metrics` : 'off',
  });
  return runtime;
}

// Core is chatty at INFO about connection internals; keep it one step quieter than ibfleet.
function coreLevel(level: LogLevel): LogLevel {
  return level === 'INFO' ? 'WARN' : level;
}

export function createLogger(
  format: LogFormat,
  level: LogLevel,
  write: (line: string) => void = writeStderr,
): Logger {
  const formatLine = format === 'json' ? formatJsonLine : formatPrettyLine;
  return new DefaultLogger(level, (entry) => write(formatLine(entry)));
}

function writeStderr(line: string): void {
  process.stderr.write(line);
}

/** One JSON object per line: { time, level, message, meta }. */
export function formatJsonLine(entry: LogEntry): string {
  const line = {
    time: isoTime(entry.timestampNanos),
    level: entry.level,
    message: entry.message,
    meta: entry.meta ?? {},
  };
  return `${JSON.stringify(line, jsonSafe())}\n`;
}

export function formatPrettyLine(entry: LogEntry): string {
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${inspectMeta(entry.meta)}` : '';
  return `${isoTime(entry.timestampNanos)} ${entry.level.padEnd(5)} ${entry.message}${meta}\n`;
}

function isoTime(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

function inspectMeta(meta: LogMetadata): string {
  return inspect(meta, { breakLength: Infinity, depth: 4, colors: false });
}

/** A JSON.stringify replacer for what log metadata holds: errors, bigints, buffers, cycles. */
function jsonSafe(): (this: unknown, key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return function (_key, value) {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const cause = (value as { cause?: unknown }).cause;
      return {
        name: value.name,
        message: value.message,
        stack: value.stack,
        ...(cause !== undefined && { cause }),
      };
    }
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}
