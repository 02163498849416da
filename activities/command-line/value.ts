import { checkValue, type ValueShape } from '../../common/command-values';

// A value on its way into a command: checked against the exact shape it must have (it throws
// UnsafeValueError otherwise, before any command with it is built), then quoted by the command's dialect.

export interface CommandValue {
  readonly text: string;
  /** Free text (an option string, a reason) is always quoted; names and numbers only when they need it. */
  readonly alwaysQuoted: boolean;
}

/** A name or number: `shape` is checked, then the value is quoted only if it needs quoting. */
export function value(shape: ValueShape, v: unknown): CommandValue {
  return { text: checkValue(shape, v), alwaysQuoted: false };
}

/** Free text: `shape` is checked, then the value is always quoted. */
export function text(shape: ValueShape, v: unknown): CommandValue {
  return { text: checkValue(shape, v), alwaysQuoted: true };
}

/** `key=value` as one argument (mlxconfig settings), each side checked against its own shape. */
export function assignment(
  keyShape: ValueShape,
  key: unknown,
  valueShape: ValueShape,
  v: unknown,
): CommandValue {
  return { text: `${checkValue(keyShape, key)}=${checkValue(valueShape, v)}`, alwaysQuoted: false };
}
