/**
 * The PyTorch reference of the `seed-zoo` benchmark (../shared/bench/peer_seed_zoo.py), read into
 * the summary our side reports (./seed-zoo): the peer writes percent, the summary holds fractions.
 */
import { JsonReader } from '../zoo/json-reader';
import { runPeer, type ReferenceOutcome } from './reference';
import { summarizeModels, type SeedZooSummary } from './seed-zoo';

/** The fields the comparison uses, checked (a FileFormatError names the first missing or mistyped one). */
export function parseSeedZooReference(file: string, text: string): SeedZooSummary {
  const json = JsonReader.parse(file, text);
  const models = json.objects('models').map((m) => ({
    seed: m.integer('seed'), trainSeconds: m.number('train_s'), val: m.number('val') / 100, test: m.number('test') / 100,
  }));
  if (models.length === 0) json.fail('models', 'is empty');
  const ensemble = json.object('deep_ensemble');
  return {
    ...summarizeModels(models, json.object('wall_s').number('total')),
    ensemble: { accuracy: ensemble.number('test_acc') / 100, nll: ensemble.number('test_nll') },
    disagreement: json.number('pairwise_test_disagreement_mean'),
  };
}

/** The peer's own default: the spec's 2 threads. */
export const DEFAULT_REFERENCE_THREADS = 2;

/** Runs the peer on N models from seeds seed0 … with `threads` PyTorch threads (its defaults otherwise: 3 epochs). */
export function runSeedZooReference(
  script: string, outFile: string, options: { models: number; seed0: number; threads: number },
): ReferenceOutcome<SeedZooSummary> {
  const args = ['--n', String(options.models), '--seed0', String(options.seed0), '--threads', String(options.threads)];
  return runPeer(script, outFile, args, parseSeedZooReference);
}
