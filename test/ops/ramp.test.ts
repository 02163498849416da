import assert from 'node:assert/strict';
import {
  exponentialRamp,
  parseRamp,
  rampPosition,
  rampText,
  rampWidth,
  RampSpecError,
} from '../../common/ramp';

describe('ops: ramp after the canary', () => {
  it('grows the window step by step, each step once the hosts of the steps before succeeded', () => {
    const ramp = parseRamp('1,2,4,8', 20);
    const widths = Array.from({ length: 17 }, (_, succeeded) => rampWidth(ramp, succeeded, 20));
    // 1 until 1 succeeded, 2 until 3, 4 until 7, 8 until 15, then --max-parallel.
    assert.deepEqual(widths, [1, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 20, 20]);
    assert.deepEqual(rampPosition(ramp, 3, 20), { width: 4, step: 2, nextStepAfter: 7 });
    assert.deepEqual(rampPosition(ramp, 15, 20), { width: 20, step: 4 });
  });

  it('exponential: 1, 2, 4, ... up to --max-parallel', () => {
    assert.deepEqual(exponentialRamp(10), [1, 2, 4, 8]);
    assert.deepEqual(exponentialRamp(8), [1, 2, 4]);
    assert.deepEqual(exponentialRamp(1), [1]);
    assert.deepEqual(parseRamp('exponential', 16), [1, 2, 4, 8]);
    assert.deepEqual(
      Array.from({ length: 16 }, (_, s) => rampWidth(parseRamp('Exponential', 16), s, 16)),
      [1, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 16],
    );
  });

  it('never allows more than --max-parallel, and without a ramp always allows it', () => {
    assert.equal(rampWidth([1, 5], 1, 3), 3);
    assert.equal(rampWidth(undefined, 0, 7), 7);
    assert.equal(rampWidth([], 0, 7), 7);
  });

  it('describes where it is', () => {
    assert.equal(rampText([1, 2, 4], 1, 10), 'ramp step 2/3: 2 in flight, 4 once 3 succeeded (1 so far)');
    assert.equal(rampText([1, 2, 4], 2, 10), 'ramp step 2/3: 2 in flight, 4 once 3 succeeded (2 so far)');
    assert.equal(rampText([1, 2, 4], 6, 10), 'ramp step 3/3: 4 in flight, 10 once 7 succeeded (6 so far)');
    assert.equal(rampText([1, 2, 4], 7, 10), 'ramp done: 10 in flight');
    assert.equal(rampText(undefined, 7, 10), undefined);
  });

  it('refuses bad values with the reason', () => {
    const refused = (text: string, reason: RegExp) =>
      assert.throws(
        () => parseRamp(text, 10),
        (e: Error) => e instanceof RampSpecError && reason.test(e.message),
      );
    refused('1,2,,4', /must be "exponential" or widths/);
    refused('fast', /must be "exponential" or widths/);
    refused('0,1', /at least 1/);
    refused('4,2', /must not decrease/);
    refused('1,20', /width 20 is more than --max-parallel \(10\)/);
  });
});
