import { cellsBySpans, spansFromDashes, spansFromHeader, type Span } from './columns';
import { ParseError } from './parse-error';
import { isBlank, isDashRule, segmentsOf, toLines } from './text';

// `esxcli system module parameters list -m <module>`: columns Name, Type, Value, Description.
// Value is blank when the parameter is unset. Descriptions may carry embedded newlines, printed as
// unindented continuation lines ("Values : Array of 'uint' ...", "Default: 0"); those belong to the
// description above them and must never be read as parameters.

const COMMAND = 'esxcli system module parameters list';
const HEADER = /^\s*Name\s+Type\s+Value\s+Description\b/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** "int", "uint", "string", "array of uint", ... */
const TYPE = /^(?:array of )?[A-Za-z_][A-Za-z0-9_]*$/;

export interface ModuleParameter {
  name: string;
  type: string;
  /** Undefined when unset (blank Value cell). */
  value?: string;
  description: string;
}

interface Layout {
  spans: Span[];
  type: number;
  value: number;
  description: number;
}

function layoutOf(header: string, next: string | undefined): Layout {
  const titleSpans = spansFromHeader(header, 'cells');
  const spans = next !== undefined && isDashRule(next) ? spansFromDashes(next) : titleSpans;
  const titles = (cellsBySpans(header, spans) ?? []).map((t) => t.toLowerCase());
  return {
    spans,
    type: titles.indexOf('type'),
    value: titles.indexOf('value'),
    description: titles.indexOf('description'),
  };
}

/** The parameter on a row, or undefined for a description continuation line. */
function parameterOf(line: string, layout: Layout): ModuleParameter | undefined {
  const first = segmentsOf(line)[0];
  if (first === undefined || first.start >= (layout.spans[1]?.start ?? Infinity)) return undefined;
  const cells = cellsBySpans(line, layout.spans);
  if (!cells) return undefined;
  const [name, type] = [cells[0] ?? '', cells[layout.type] ?? ''];
  if (!NAME.test(name) || !TYPE.test(type)) return undefined;
  const value = cells[layout.value] ?? '';
  return { name, type, ...(value ? { value } : {}), description: cells[layout.description] ?? '' };
}

export function parseModuleParameters(text: string): ModuleParameter[] {
  const lines = toLines(text);
  const h = lines.findIndex((l) => HEADER.test(l));
  if (h < 0) throw new ParseError(COMMAND, 'a "Name  Type  Value  Description" header', text);
  const layout = layoutOf(lines[h], lines[h + 1]);
  if (layout.type < 0 || layout.value < 0 || layout.description < 0)
    throw new ParseError(COMMAND, 'the columns "Type", "Value", "Description" over the table', text);
  const params: ModuleParameter[] = [];
  for (const line of lines.slice(h + 1)) {
    if (isBlank(line) || isDashRule(line)) continue;
    const param = parameterOf(line, layout);
    const previous = params[params.length - 1];
    if (param) params.push(param);
    else if (previous) previous.description += `\n${line}`;
    // A first line that is no parameter means the columns were cut wrong (e.g. single spaces and no
    // underline): refuse rather than lose parameters as "continuation lines".
    else throw new ParseError(COMMAND, `a parameter row "<name>  <type>  [value]  <description>"`, text);
  }
  return params;
}

/** The value of one parameter; undefined when unset or absent. */
export function moduleParameterValue(params: readonly ModuleParameter[], name: string): string | undefined {
  return params.find((p) => p.name === name)?.value;
}
