import * as assert from 'node:assert/strict';
import { ParseError } from '../../activities/esxi/parsers';
import { REFUSED, readSample, SAMPLES, sampleFiles } from './esxi-samples';
import { whitespaceVariants } from './esxi-variants';

// Every parser against every sample of its command: the reference samples and the real outputs
// collected from public sources (test/fixtures/outputs/esxi/README.md), each also with CRLF line ends,
// trailing spaces, blank lines around it and no final newline.

function outcome(read: (text: string) => unknown, text: string): unknown {
  try {
    return read(text);
  } catch (e) {
    if (e instanceof ParseError) return REFUSED;
    throw e;
  }
}

describe('esxi parsers: every sample of every command', () => {
  it('knows the command of every sample file', () => {
    const claimed = new Set(SAMPLES.flatMap((c) => Object.keys(c.samples)));
    assert.deepEqual(
      sampleFiles().filter((f) => !claimed.has(f)),
      [],
      'add the sample to esxi-samples.ts',
    );
    assert.deepEqual(
      [...claimed].filter((f) => !sampleFiles().includes(f)),
      [],
      'a listed sample file is missing',
    );
  });

  for (const { command, read, samples } of SAMPLES) {
    describe(command, () => {
      for (const [file, expected] of Object.entries(samples)) {
        it(`${expected === REFUSED ? 'refuses' : 'reads'} ${file}`, () => {
          const text = readSample(file);
          assert.deepEqual(outcome(read, text), expected);
          for (const [label, variant] of whitespaceVariants(text))
            assert.deepEqual(outcome(read, variant), expected, label);
        });
      }
    });
  }
});
