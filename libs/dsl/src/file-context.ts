import { parseGate } from './amounts';
import type { Diagnostic, SourceLocation } from './diagnostics';
import type { Gate } from './ruleset';
import type { YamlFile, YamlPath } from './yaml-source';

/** A YAML map as plain data. */
export type Raw = Record<string, unknown>;
/** The writable form of a readonly interface, while a node is being built. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** True for a YAML map (not a list, not null). */
export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Non-blank text, or undefined. */
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Collects diagnostics for one file and knows where its paths are. */
export class FileContext {
  constructor(
    readonly file: YamlFile,
    readonly diagnostics: Diagnostic[],
  ) {}

  at(path: YamlPath, part: 'key' | 'value' = 'value'): SourceLocation {
    return this.file.locate(path, part);
  }

  error(code: string, message: string, path: YamlPath, extra: Partial<Diagnostic> = {}, part: 'key' | 'value' = 'value'): void {
    this.diagnostics.push({ severity: 'error', code, message, location: this.at(path, part), ...extra });
  }

  warn(code: string, message: string, path: YamlPath, extra: Partial<Diagnostic> = {}): void {
    this.diagnostics.push({ severity: 'warning', code, message, location: this.at(path), ...extra });
  }
}

/** The gate written at `path` (`pro+`), located; undefined when there is none or it is malformed. */
export function gate(ctx: FileContext, path: YamlPath, raw: unknown): Gate | undefined {
  if (raw === undefined) return undefined;
  const plan = parseGate(raw);
  return plan ? { plan, at: ctx.at(path) } : undefined;
}
