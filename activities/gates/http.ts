import type { GateResult, HttpGate } from '../../common/gates';
import { describeGate, statusMatches } from '../../common/gates';
import { networkErrorCode, resolveUrlRef, UrlRefRefusal, type Environment } from '../url-ref';

// `http` gates: one request, its status against the expected codes. No answer is a failing gate (the
// check is repeated), not an error; a reference the worker cannot use is a misconfigured gate.

export const HTTP_GATE_TIMEOUT_MS = 10_000;

export async function runHttpGate(
  gate: HttpGate,
  context: { env: Environment; signal?: AbortSignal; fetch?: typeof fetch },
): Promise<GateResult> {
  const name = describeGate(gate);
  let url: URL;
  try {
    url = resolveUrlRef(gate.target, context.env).url;
  } catch (err) {
    if (err instanceof UrlRefRefusal)
      return { gate: name, ok: false, detail: err.message, misconfigured: true };
    throw err;
  }
  const signals = [AbortSignal.timeout(HTTP_GATE_TIMEOUT_MS)];
  if (context.signal) signals.push(context.signal);
  try {
    const response = await (context.fetch ?? fetch)(url, {
      method: gate.method,
      headers: { 'User-Agent': 'ibfleet-gate' },
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = statusMatches(gate.expect, response.status);
    return {
      gate: name,
      ok,
      detail: `HTTP ${response.status}${ok ? '' : ` (expected ${gate.expect.join(',')})`}`,
    };
  } catch (err) {
    return { gate: name, ok: false, detail: `no answer (${networkErrorCode(err, HTTP_GATE_TIMEOUT_MS)})` };
  }
}
