// Maintenance windows (`--window`): the spec and its parser, and when windows are open.
export * from './spec';
export {
  formatWait,
  intervalsAround,
  isOpen,
  nextClosing,
  nextInterval,
  nextOpening,
  windowStatus,
} from './schedule';
export type { Interval, WindowStatus } from './schedule';
