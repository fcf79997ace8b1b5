/**
 * What one `npm run bench` saves (bench/results/*.json) and prints: the raw results of each part
 * that ran, the tables built from them (./compare), and notes on how to read them.
 */
import * as os from 'node:os';
import type { BackendInfo } from '../backend';
import type { PdiffConfig } from '../pdiff/config';
import type { PdiffResults } from '../pdiff/results';
import { samplerTable } from '../pdiff/report/tables';
import { rowsToText, type Row } from '../viz/table';
import { accuracyRows, microStepRows, opRows, stageRows, stepRows } from './compare';
import type { MicroResults } from './micro';
import type { ReferenceOutcome } from './reference';

export interface BenchInputs {
  preset: string;
  backend: BackendInfo;
  micro: MicroResults | null;
  pipeline: { results: PdiffResults; config: PdiffConfig; runDir: string } | null;
  /** null: not asked for (--micro-only, --no-reference). */
  reference: (ReferenceOutcome & { quick: boolean; file: string }) | null;
}

export interface BenchRecord {
  benchmark: 'pdiff-small';
  created: string;
  preset: string;
  backend: BackendInfo;
  machine: MachineInfo;
  micro: MicroResults | null;
  pipeline: {
    runDir: string; timings: PdiffResults['timings'];
    accuracy: Pick<PdiffResults, 'originals' | 'reconstructed' | 'generated' | 'samplers' | 'novelty'>;
  } | null;
  reference: BenchInputs['reference'];
  tables: Record<string, Row[]>;
  notes: string[];
}

/** The machine a benchmark ran on; the load average tells whether something else was running. */
export interface MachineInfo {
  cpus: number;
  cpu: string | undefined;
  node: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  return { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() };
}

/** The tables, titled, in the order they print. */
export function benchTables({ micro, pipeline, reference }: BenchInputs): Record<string, Row[]> {
  const ref = reference && 'run' in reference ? reference.run : undefined;
  const tables: Record<string, Row[]> = {};
  if (micro) {
    tables['ops (median ms; GFLOP/s)'] = opRows(micro.ops);
    tables['training steps (micro-benchmark)'] = microStepRows(micro.steps);
  }
  if (pipeline) {
    tables['wall seconds per stage'] = stageRows(pipeline.results.timings, ref?.stages);
    tables['test accuracy (%)'] = accuracyRows(pipeline.results, ref?.accuracy);
    tables['generated models by sampler (same model and seed)'] = samplerTable(pipeline.results);
    tables['ms per step'] = stepRows({ micro: micro?.steps, pipeline, ref: ref?.perStep });
  }
  return tables;
}

/** How to read the tables, for what this run did. */
export function benchNotes({ preset, micro, pipeline, reference }: BenchInputs): string[] {
  const notes: string[] = [];
  if (micro && pipeline && preset !== 'standard') {
    notes.push(`micro-benchmarks run at the standard shapes (batch 128, K = 200), the pipeline at preset '${preset}'s`);
  }
  if (pipeline) {
    notes.push('stage 4 is sampling + evaluating the originals, reconstructions and generated models (ours also the noise baselines); '
      + 'the sampler comparison runs after it and only counts in our total');
  }
  if (reference && 'run' in reference) {
    notes.push('ratios are ours / reference: above 1, paramdiff is slower');
    notes.push('the reference has no micro-benchmark mode: its ms per step are its stage wall times over its step counts');
    if (reference.quick) {
      notes.push(`our preset '${preset}' and the reference's --quick are different workloads (data, K, steps): these ratios check the plumbing, not the speed`);
    }
  }
  if (reference && 'skipped' in reference) notes.push(`reference not run: ${reference.skipped}`);
  return notes;
}

export function benchRecord(inputs: BenchInputs): BenchRecord {
  const p = inputs.pipeline;
  return {
    benchmark: 'pdiff-small',
    created: new Date().toISOString(),
    preset: inputs.preset,
    backend: inputs.backend,
    machine: machineInfo(),
    micro: inputs.micro,
    pipeline: p && {
      runDir: p.runDir,
      timings: p.results.timings,
      accuracy: {
        originals: p.results.originals, reconstructed: p.results.reconstructed, generated: p.results.generated,
        samplers: p.results.samplers, novelty: p.results.novelty,
      },
    },
    reference: inputs.reference,
    tables: benchTables(inputs),
    notes: benchNotes(inputs),
  };
}

/** Every table, titled, then the notes (of any benchmark's record). */
export function benchText(record: { tables: Record<string, Row[]>; notes: string[] }): string {
  const tables = Object.entries(record.tables).map(([title, rows]) => `${title}:\n${rowsToText(rows)}`);
  const notes = record.notes.length ? [`notes:\n${record.notes.map((n) => `- ${n}`).join('\n')}`] : [];
  return [...tables, ...notes].join('\n\n');
}
