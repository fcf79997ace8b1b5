/**
 * The README's speed tables, generated from committed benchmark records (results/bench/NAME.json,
 * written by `npm run bench -- --out …`) and nothing else: each block between
 * `<!-- bench NAME TITLES -->` and `<!-- /bench -->` is re-rendered with the record's tables whose
 * titles start with TITLES (`;`-separated prefixes, e.g. `wall seconds; accuracy`), then a line
 * naming the machine, the backend and the record's notes. Speed is a property of the machine the
 * record was made on: the line says which, and when.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../util/errors';
import type { Row } from '../viz/table';
import { markdownTable } from '../reproduce/tables';
import type { BackendInfo } from '../backend';
import type { MachineInfo } from './record';

/** Where a results directory keeps benchmark records. */
export const BENCH_RESULTS_DIR = 'bench';

/** What every benchmark record has (./record, ./seed-zoo-record). */
export interface AnyBenchRecord {
  benchmark: string;
  created: string;
  backend: BackendInfo;
  machine: MachineInfo;
  tables: Record<string, Row[]>;
  notes: string[];
}

const BLOCK = /<!-- bench (\S+) ([^\n]+?) -->\n[\s\S]*?<!-- \/bench -->/g;

/** The README with every bench block re-rendered from `<resultsDir>/bench/`. */
export function renderBenchBlocks(readme: string, resultsDir: string): string {
  return readme.replace(BLOCK, (_, name: string, titles: string) => {
    const file = path.join(resultsDir, BENCH_RESULTS_DIR, `${name}.json`);
    if (!fs.existsSync(file)) throw new InputError(`README bench block ${name}: no ${file}`);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as AnyBenchRecord;
    return `<!-- bench ${name} ${titles} -->\n${benchBlockBody(record, titles.split(';').map((t) => t.trim()), name)}\n<!-- /bench -->`;
  });
}

/** The record's tables whose titles start with each prefix, in the prefixes' order, then its provenance and notes. */
export function benchBlockBody(record: AnyBenchRecord, prefixes: string[], name = record.benchmark): string {
  const tables = prefixes.map((prefix) => {
    const title = Object.keys(record.tables).find((t) => t.startsWith(prefix));
    if (!title) throw new InputError(`README bench block ${name}: no table titled "${prefix}…" (it has: ${Object.keys(record.tables).join('; ')})`);
    const rows = record.tables[title];
    const header = rows.length ? Object.keys(rows[0]) : [];
    return `${title}:\n\n${markdownTable({ header, rows: rows.map((r) => header.map((h) => String(r[h]))) })}`;
  });
  const { machine, backend } = record;
  const load = machine.loadAverage.map((l) => l.toFixed(2)).join(', ');
  const line = `Benchmark \`${record.benchmark}\` of ${record.created.slice(0, 10)}: backend ${backend.name}${backend.detail ? ` (${backend.detail})` : ''}; `
    + `${machine.cpu ?? 'unknown CPU'} (${machine.cpus} cores), load average ${load} at the end; Node ${machine.node}.`;
  const notes = record.notes.map((n) => `- ${n}`).join('\n');
  return [...tables, line, notes].filter(Boolean).join('\n\n');
}
