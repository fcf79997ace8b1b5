/**
 * Whole-network generation end to end (issue 15): collect (or reload) the zoo, align it to its
 * reference, fit the generator on the training members, generate, give the generated networks BN
 * statistics, measure every population without fine-tuning, and audit copying against the
 * held-out fifth; the generated networks are written to `<outDir>/generated-torch.safetensors`
 * (generated-file.ts). Every slow stage keeps its state (zoo per member, generator training), so a
 * re-run on the same directories continues, and sampling and evaluation are seeded: a resumed
 * run reports the numbers of an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { behaviourWeight, checkDifferentiable } from '../../autoencoder/behaviour';
import type { DataSplits } from '../../data/dataset';
import type { AuditPopulation } from '../../eval/audit';
import { createModel } from '../../models/registry';
import { splitFor } from '../../models/split';
import { weightAverage } from '../../eval/baselines';
import { permutationSpecFor } from '../../params/permutation-spec';
import { pickRows } from '../../params/rows';
import type { VectorSet } from '../../params/types';
import { InputError } from '../../util/errors';
import type { ProgressFn } from '../../util/progress';
import { claimRunDir } from '../../util/run-dir';
import { seconds } from '../../util/timing';
import { heldOutSplit } from '../../zoo/holdout';
import { collectWholeSeeds } from '../../zoo/whole-seeds';
import { generateAccepted, WHOLE_ACCEPTANCES } from './acceptance';
import { alignRows, alignWholeZoo } from './align';
import { auditWhole } from './audit';
import { WHOLE_ALIGNMENTS, WHOLE_GENERATORS, wholePresets, wholeSeeds, type WholeConfig } from './config';
import { WholeEvaluator, type Networks } from './evaluate';
import { GENERATED_TORCH_FILE, writeGeneratedNetworks } from './generated-file';
import { DDPM_STATE_FILE, fitGenerator, FLOW_STATE_FILE, LATENT_DIR } from './generator';
import { accuracyStats, type WholeResults } from './results';

/** The zoo's directory inside a run's (unless `zooDir` names another). */
export const WHOLE_ZOO_DIR = 'zoo';
/** The aligned zoo, kept inside the zoo's directory. */
export const ALIGNED_DIR = 'aligned';

/** Everything a whole-network run writes besides run.json, results and report; `--restart` deletes these. */
export const WHOLE_OUTPUTS: readonly string[] = [WHOLE_ZOO_DIR, FLOW_STATE_FILE, DDPM_STATE_FILE, LATENT_DIR, GENERATED_TORCH_FILE];

export interface WholeRunOptions {
  /** The run directory: run.json, and the generator's state unless `generatorDir` is given. */
  outDir: string;
  /** Where the zoo lives; default `<outDir>/zoo`. Runs that differ only after the zoo may share one. */
  zooDir?: string;
  /** Where the generator's training state lives; default `outDir`. Runs that differ only after generation may share one. */
  generatorDir?: string;
  onProgress?: ProgressFn;
}

export function runWhole(config: WholeConfig, data: DataSplits, options: WholeRunOptions): WholeResults {
  const started = performance.now();
  const { outDir, onProgress } = options;
  checkConfig(config);
  const split = heldOutSplit(config.zoo.members, config.audit.holdOutEvery);
  const { referenceIndex, maxIter } = config.alignment;
  if (!split.training.includes(referenceIndex)) throw new InputError(`alignment.referenceIndex ${referenceIndex} is not a training member of the zoo`);
  claimRunDir(outDir, config as unknown as Record<string, unknown>, { defaults: defaultsFor(config) });
  const seeds = wholeSeeds(config.seed);
  const timings = { zoo: 0, align: 0, generator: 0, generate: 0, evaluate: 0, audit: 0, total: 0 };

  let t = performance.now();
  const zooDir = options.zooDir ?? path.join(outDir, WHOLE_ZOO_DIR);
  const zoo = collectWholeSeeds(config.model, data, config.zoo, zooDir, onProgress);
  timings.zoo = seconds(t);
  const model = createModel(config.model, 0); // a container: every network measured is written into it
  const evaluator = new WholeEvaluator(model, zoo, data, { probeImages: config.audit.probeImages, calibrationImages: config.calibrationImages });
  try {
    t = performance.now();
    const spec = permutationSpecFor(model);
    const matching = { maxIter, seed: config.zoo.seed }; // the zoo's: one aligned zoo serves every generator seed
    const mergeMany = config.align === 'merge-many' ? split.training : undefined;
    const aligned = alignWholeZoo(zoo, spec, { referenceIndex, ...matching, mergeMany }, path.join(zooDir, ALIGNED_DIR));
    const alignToZoo = (set: VectorSet) => alignRows(set, aligned.target, zoo.manifest, spec, matching);
    const source = config.align === 'none' ? zoo.params : aligned.params;
    const generatorRows = pickRows(source, split.training);
    timings.align = seconds(t);

    t = performance.now();
    const generator = fitGenerator(config, model, zoo.manifest, generatorRows, data.train, options.generatorDir ?? outDir, onProgress);
    timings.generator = seconds(t);
    try {
      // A synthetic network's BN statistics: recomputed from training images, or the aligned zoo's mean.
      const meanBuffers = aligned.buffers && weightAverage(aligned.buffers);
      const withBuffers = (params: VectorSet): Networks => {
        if (!meanBuffers) return { params, buffers: null };
        if (config.bnRecalibration === 'train-images') return { params, buffers: evaluator.recalibrate(params) };
        return { params, buffers: { count: params.count, dim: meanBuffers.dim, data: repeatRow(meanBuffers.data, params.count) } };
      };
      t = performance.now();
      const trainingVal = split.training.map((i) => zoo.members[i].val);
      const accepted = generateAccepted({ generate: generator.generate, place: withBuffers, measure: (n) => evaluator.measure(n) },
        config.acceptance, config.generated, seeds.sampling, trainingVal);
      const { networks: generatedNetworks, measures: gen } = accepted;
      const generated = generatedNetworks.params;
      timings.generate = seconds(t);
      t = performance.now();
      writeGeneratedNetworks(path.join(outDir, GENERATED_TORCH_FILE), model, zoo, generatedNetworks, {
        model: model.kind, dataset: config.dataset, preset: config.preset, seed: String(config.seed), generator: config.generator,
      });
      const member = (rows: number[]): AuditPopulation => {
        const m = evaluator.measure({ params: pickRows(aligned.params, rows), buffers: aligned.buffers && pickRows(aligned.buffers, rows) });
        return { weights: pickRows(aligned.params, rows), probes: m.probes, test: m.test };
      };
      const audited = split.heldOut.length > 0;
      const members = audited ? { training: member(split.training), heldOut: member(split.heldOut) } : null;
      timings.evaluate = seconds(t);

      t = performance.now();
      const audit = members && auditWhole(config, data.train.numClasses, {
        ...members, generated: { weights: alignToZoo(generated), probes: gen.probes, test: gen.test },
      }, pickRows(aligned.params, split.training), (params) => {
        const m = evaluator.measure(withBuffers(params));
        return { weights: params, probes: m.probes, test: m.test };
      });
      timings.audit = seconds(t);

      const zooTest = zoo.members.map((m) => m.test);
      const zooStats = accuracyStats(zooTest);
      const genStats = accuracyStats(gen.test);
      return {
        experiment: 'whole',
        preset: config.preset,
        seed: config.seed,
        backend: tf.getBackend(),
        dataset: config.dataset,
        config,
        model: { kind: model.kind, parameters: zoo.manifest.size, buffers: zoo.bufferManifest?.size ?? 0 },
        zoo: {
          members: zoo.members.length, training: split.training.length, heldOut: split.heldOut.length,
          test: zooStats, val: accuracyStats(zoo.members.map((m) => m.val)), perMember: { test: zooTest, val: zoo.members.map((m) => m.val) },
        },
        generated: { test: genStats, val: accuracyStats(gen.val), perNetwork: { test: gen.test, val: gen.val }, candidates: accepted.candidates, passed: accepted.passed, floor: accepted.floor },
        gap: { mean: genStats.mean - zooStats.mean, median: genStats.median - zooStats.median },
        alignment: { referenceIndex, distanceBefore: aligned.distance.before, distanceAfter: aligned.distance.after },
        generator: { kind: config.generator, losses: generator.losses, reconstructionMse: generator.reconstructionMse },
        audit,
        timings: { ...timings, total: seconds(started) },
      };
    } finally {
      generator.dispose();
    }
  } finally {
    evaluator.dispose();
    model.dispose();
  }
}

function checkConfig(config: WholeConfig): void {
  if (!WHOLE_GENERATORS.includes(config.generator)) throw new InputError(`generator must be one of ${WHOLE_GENERATORS.join(', ')}, got ${JSON.stringify(config.generator)}`);
  if (!WHOLE_ALIGNMENTS.includes(config.align)) throw new InputError(`align must be one of ${WHOLE_ALIGNMENTS.join(', ')}, got ${JSON.stringify(config.align)}`);
  if (config.bnRecalibration !== 'train-images' && config.bnRecalibration !== 'none') {
    throw new InputError(`bnRecalibration must be 'train-images' or 'none', got ${JSON.stringify(config.bnRecalibration)}`);
  }
  if (!WHOLE_ACCEPTANCES.includes(config.acceptance)) throw new InputError(`acceptance must be one of ${WHOLE_ACCEPTANCES.join(', ')}, got ${JSON.stringify(config.acceptance)}`);
  if (!(Number.isInteger(config.generated) && config.generated >= 1)) throw new InputError(`generated must be a positive integer, got ${config.generated}`);
  if (config.generator === 'latent-ddpm' && behaviourWeight(config.latent.autoencoderTrain.behaviour) > 0) {
    // Refused here, not after the zoo is trained: the loss runs whole networks through the model's cut before its first parameter.
    const problem = behaviourCutProblem(config);
    if (problem) throw new InputError(problem);
  }
}

/** Why the autoencoder's behavioural loss cannot train on whole networks of `config.model`, or undefined when it can. */
export function behaviourCutProblem(config: Pick<WholeConfig, 'model'>): string | undefined {
  const probe = createModel(config.model, 0);
  try {
    checkDifferentiable(splitFor(probe, [...probe.params.keys()]), probe.kind);
    return undefined;
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  } finally {
    probe.dispose();
  }
}

/** The current preset of the config's name, for fields a saved run.json lacks. */
function defaultsFor(config: WholeConfig): Record<string, unknown> | undefined {
  const preset = wholePresets[config.preset];
  return preset ? { ...preset, seed: config.seed } as unknown as Record<string, unknown> : undefined;
}

function repeatRow(row: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * row.length);
  for (let i = 0; i < count; i++) out.set(row, i * row.length);
  return out;
}
