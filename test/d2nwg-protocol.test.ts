import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Condition } from '../lib/conditioning';
import { D2nwgPipeline, taskFeatures, type TaskFeatures } from '../lib/d2nwg';
import { headsAccuracy, headsCrossEntropy, trainHeads, type FeatureSet } from '../lib/d2nwg/heads';
import { MethodContext } from '../lib/d2nwg/methods';
import { spread, tQuantile975 } from '../lib/d2nwg/results';
import { chooseOnTasks, type D2nwgChoices, type SupportTask } from '../lib/d2nwg/selection';
import { prototypeHead, randomCondition, selectByShots, shotSet } from '../lib/d2nwg/shots';
import { Rng } from '../lib/util/rng';
import { blobConfig as config, blobSources as sources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

/** 2 classes × 2 shots of 3 features: class 0 around (1, 0, 0), class 1 around (0, 2, 0). */
const condition: Condition = { tasks: 1, classes: 2, shots: 2, features: 3, data: Float32Array.from([1, 0, 0.5, 1, 0, -0.5, 0, 2, 1, 0, 2, -1]) };

describe('D2NWG protocol: what the shots give', () => {
  it('the shots are a labelled set in class order', () => {
    const shots = shotSet(condition);
    assert.deepEqual([shots.count, shots.dim, shots.numClasses, [...shots.labels]], [4, 3, 2, [0, 0, 1, 1]]);
    assert.throws(() => shotSet({ ...condition, tasks: 2 }), /one task/);
  });

  it('the prototype head is W = [μ_k], b_k = −½‖μ_k‖²: the nearest class mean, as a linear head', () => {
    const head = prototypeHead(condition);
    // μ_0 = (1, 0, 0), μ_1 = (0, 2, 0); fc/weight [F, C] row-major, then the biases.
    assert.deepEqual([...head], [1, 0, 0, 2, 0, 0, -0.5, -2]);
    const rng = new Rng(3);
    const points: FeatureSet = { count: 200, dim: 3, data: Float32Array.from({ length: 600 }, () => 3 * rng.normal()), labels: new Int32Array(200), numClasses: 2 };
    points.labels = Int32Array.from({ length: 200 }, (_, i) => {
      const x = points.data.subarray(3 * i, 3 * i + 3);
      return (x[0] - 1) ** 2 + x[1] ** 2 < x[0] ** 2 + (x[1] - 2) ** 2 ? 0 : 1; // the nearer mean
    });
    assert.equal(headsAccuracy({ count: 1, dim: head.length, data: head }, points)[0], 1);
  });

  it('the shot pick takes the best accuracy on the shots, then the lower cross-entropy', () => {
    const shots = shotSet(condition);
    const proto = prototypeHead(condition);
    const flipped = proto.map((v, i) => (i < 6 ? -v : v)); // class 1 shots now score class 0 higher
    const sharper = proto.map((v) => 3 * v); // same predictions, more confident
    const heads = { count: 3, dim: proto.length, data: Float32Array.from([...flipped, ...proto, ...sharper]) };
    assert.deepEqual(headsAccuracy(heads, shots), [0.5, 1, 1]);
    const loss = headsCrossEntropy(heads, shots);
    assert.ok(loss[2] < loss[1], `${loss}`);
    assert.equal(selectByShots(heads, shots), 2);
    assert.equal(selectByShots({ ...heads, count: 2, data: heads.data.slice(0, 2 * proto.length) }, shots), 1);
  });

  it('the random condition keeps each feature\'s marginal values and nothing else of a task', () => {
    const pool = { count: 3, dim: 2, data: Float32Array.from([1, 10, 2, 20, 3, 30]) };
    const random = randomCondition(pool, 5, 4, new Rng(1));
    assert.deepEqual([random.tasks, random.classes, random.shots, random.features], [1, 5, 4, 2]);
    for (let i = 0; i < 20; i++) {
      assert.ok([1, 2, 3].includes(random.data[2 * i]) && [10, 20, 30].includes(random.data[2 * i + 1]));
    }
    assert.ok(new Set(random.data.filter((_, j) => j % 2 === 0)).size > 1);
  });

  it('spreads: sample std and the two-sided 95% t-interval of the mean', () => {
    const s = spread([1, 2, 3, 4]);
    assert.equal(s.mean, 2.5);
    assert.ok(Math.abs(s.std - Math.sqrt(5 / 3)) < 1e-12);
    const half = 3.182 * Math.sqrt(5 / 3) / 2;
    assert.ok(Math.abs(s.ci95[0] - (2.5 - half)) < 1e-12 && Math.abs(s.ci95[1] - (2.5 + half)) < 1e-12);
    // Known quantiles: t(0.975; 31) = 2.0395, t(0.975; 100) = 1.9840, t(0.975; 1000) = 1.9623.
    for (const [df, t] of [[31, 2.0395], [100, 1.984], [1000, 1.9623]]) assert.ok(Math.abs(tQuantile975(df) - t) < 1e-3, `${df}: ${tQuantile975(df)}`);
    assert.ok(Number.isNaN(spread([0.5]).std), 'one task: no interval');
  });
});

describe('D2NWG protocol: no choice reads a test split', function () {
  this.timeout(120_000);
  const dirs = tmpDirs('d2nwg-protocol');
  let pipeline: D2nwgPipeline;
  before(() => {
    pipeline = new D2nwgPipeline(config, { outDir: dirs.make(), sources }).fit();
  });
  after(() => {
    pipeline.dispose();
    dirs.cleanup();
  });

  /** The task with its test split behind a getter that throws on any read. */
  const sealed = (task: TaskFeatures): SupportTask => Object.defineProperty({ ...task }, 'test', {
    enumerable: true, get: () => assert.fail(`${task.id}: something read the test split`),
  });
  /** The labels of one split moved to the next class: garbage for that split. */
  const shifted = (task: TaskFeatures, split: 'val' | 'test'): TaskFeatures => {
    const set = task[split];
    return { ...task, [split]: { ...set, labels: set.labels.map((l) => (l + 1) % set.numClasses) } };
  };

  it('the choices on training tasks read no test split (garbage test labels change nothing) and follow the val split', () => {
    const tasks = pipeline.trainTasks.slice(0, 3);
    const reference = chooseOnTasks(pipeline, tasks, 5);
    assert.deepEqual(chooseOnTasks(pipeline, tasks.map(sealed), 5), reference);
    assert.deepEqual(chooseOnTasks(pipeline, tasks.map((t) => shifted(t, 'test')), 5), reference);
    const otherVal = chooseOnTasks(pipeline, tasks.map((t) => shifted(t, 'val')), 5);
    assert.notDeepEqual(otherVal.guidance.valAccuracy, reference.guidance.valAccuracy, 'the scores come from the val split');
  });

  it('every method proposes and picks its heads without the test split; the shot pick reads no val label either', () => {
    const choices: D2nwgChoices = {
      guidance: { candidates: [2], valAccuracy: [0], chosen: 2 }, shotHeadSteps: { candidates: [25], valAccuracy: [0], chosen: 25 }, tasks: [], valImages: 0,
    };
    const before = tf.memory().numTensors;
    const context = new MethodContext(pipeline, choices);
    const task = taskFeatures(pipeline.zoo.features, pipeline.zoo.plan.heldOut[0].spec);
    const trained = trainHeads(task.train, config.zoo.heads, 1).heads;
    const picks = (t: SupportTask) => {
      const p = context.propose(t, trained, new Rng(9));
      return { shotSelected: p.shotSelected, valOracle: p.valOracle, generated: p.heads.generated.data };
    };
    const reference = picks(task);
    assert.deepEqual(picks(sealed(task)), reference);
    const otherVal = picks(shifted(task, 'val'));
    assert.deepEqual(otherVal.shotSelected, reference.shotSelected, 'the shot pick reads the shots only');
    assert.notDeepEqual(otherVal.valOracle, reference.valOracle, 'the oracle column does read the val split');
    assert.equal(tf.memory().numTensors, before);
  });
});
