// Pure parsers of the guest-side tools: perftest reports and failures, and ibstat.

export {
  parsePerftestReport,
  largestRow,
  type PerftestReport,
  type PerftestRow,
  type BandwidthUnit,
} from './report';
export { detectPerftestFailure, type PerftestFailure, type PerftestFailureKind } from './failures';
export { parseIbstat, findIbPort, type IbstatCa, type IbstatPort } from './ibstat';
export { ParseError } from '../esxi/parsers/parse-error';
