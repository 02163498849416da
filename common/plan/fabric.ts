import { switchSmVirtSteps, validateBandwidthSteps } from '../procedure-steps';
import type { SwitchSmVirtParams, ValidateBandwidthParams } from '../procedures/params';
import type { PlannedStep } from './types';

// The plans of the procedures on the fabric: the switch's SM virtualization (guide 4) and the
// bandwidth check between two guests (the guide's performance test).

export function switchSmVirtPlan(p: SwitchSmVirtParams): PlannedStep[] {
  const show = ['enable', 'show version', 'show ib sm', 'show ib sm virt'];
  const enable = ['configure terminal', 'ib sm virt enable', 'ib sm', 'configuration write'];
  if (p.restartSm) enable.push('no ib sm', 'ib sm');
  const s = switchSmVirtSteps;
  return [
    { step: s.readState, commands: show },
    { step: s.checkVersion, commands: [], note: `MLNX-OS ${p.minVersion} or newer` },
    {
      step: s.enableSmVirt,
      commands: [...show, ...enable],
      note:
        'only when the SM or its virtualization is not enabled; `ib sm` only if the SM was disabled' +
        (p.restartSm ? '; the SM restart only if it was running' : ''),
    },
    {
      step: s.verify,
      commands: ['enable', 'show ib sm', 'show ib sm virt'],
      note: 'SM enable, virtualization Enabled',
    },
  ];
}

export function validateBandwidthPlan(p: ValidateBandwidthParams): PlannedStep[] {
  const flags = `-a -F --report_gbits -q ${p.queuePairs} -p ${p.port}${p.bidirectional ? ' -b' : ''}`;
  const expected = p.lineRateGbps * (p.bidirectional ? 2 : 1);
  return [
    {
      step: validateBandwidthSteps.perftest,
      commands: [
        '[client] ibstat',
        `[server] ${p.test} -d <server ibDevice> ${flags}`,
        `[client] ${p.test} -d <client ibDevice> ${flags} <server dataAddress>`,
      ],
      note: 'the client retries briefly while the server starts listening',
    },
    {
      step: validateBandwidthSteps.check,
      commands: [],
      note: `BW average at the largest message size >= ${Math.round(expected * p.threshold * 100) / 100} Gb/s (${p.threshold} x ${expected})`,
    },
  ];
}
