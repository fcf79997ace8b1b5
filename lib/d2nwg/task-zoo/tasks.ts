/**
 * D2NWG task planning: which 5-way tasks train the zoo and which are held out, and of what kind.
 * Per source, a few classes are drawn first and held out of everything that trains (training
 * tasks, the feature extractor, the zoo); then held-out class combinations of the remaining
 * classes, removed from the pool, so no training task (in any variant) uses one; held-out variants
 * are never a training task's variant. Four kinds of held-out task (TaskNovelty): an unseen
 * combination of seen classes in a training variant, a seen combination in an unseen variant, an
 * unseen combination in an unseen variant, and tasks holding the unseen classes.
 */
import { checkTaskSpec, comboKey, DEFAULT_TASK_WAYS, SOURCE_CLASSES, TASK_SOURCES, taskId, type TaskSource, type TaskSpec } from '../../data/tasks';
import { isImageVariant, type ImageVariant } from '../../data/variants';
import { InputError } from '../../util/errors';
import { Rng } from '../../util/rng';

export interface TaskPlanConfig {
  /** Sources tasks are drawn from. Default both MNIST and Fashion-MNIST. */
  sources: TaskSource[];
  /** Classes per task. Default 5. */
  ways: number;
  /** Variants of training tasks. Default identity, invert, rot90. */
  trainVariants: ImageVariant[];
  /**
   * Variants never used to train anything (extractor or heads). Default rot180: it keeps the
   * class shapes but not their orientation (MNIST 6 and 9 trade places; shoes and trousers stand
   * on their heads), so a head of the same classes in a training variant fits it poorly (measured
   * in the report), unlike hflip, which leaves most Fashion-MNIST items and several digits unchanged.
   */
  heldOutVariants: ImageVariant[];
  /** Training tasks per source and training variant: distinct class combinations drawn for each variant. Default 8. */
  trainTasksPerVariant: number;
  /**
   * More training tasks per source and training variant, other combinations than that variant's
   * first ones, drawn from a stream of their own after the rest of the plan and listed last: the
   * held-out tasks, the first training tasks and their heads (seeded by task index) stay those of
   * the plan without them. Default 0.
   */
  extraTrainTasksPerVariant: number;
  /** Class combinations per source held out of every training task, each evaluated in every variant. Default 2. */
  heldOutCombos: number;
  /** Combinations of training tasks per source also evaluated in each held-out variant. Default 2. */
  seenCombosInHeldOutVariants: number;
  /** Classes per source held out of every training task, of the extractor's training and of the zoo. Default 2. */
  unseenClasses: number;
  /**
   * Held-out tasks per source made of all its unseen classes and (ways − unseenClasses) seen ones,
   * each evaluated in every training variant. Default 2.
   */
  unseenClassTasks: number;
  /** Seeds the draws. */
  seed: number;
}

export const defaultTaskPlanConfig: TaskPlanConfig = {
  sources: ['mnist', 'fashion-mnist'],
  ways: DEFAULT_TASK_WAYS,
  trainVariants: ['identity', 'invert', 'rot90'],
  heldOutVariants: ['rot180'],
  trainTasksPerVariant: 8,
  extraTrainTasksPerVariant: 0,
  heldOutCombos: 2,
  seenCombosInHeldOutVariants: 2,
  unseenClasses: 2,
  unseenClassTasks: 2,
  seed: 0,
};

/**
 * What is new about a held-out task: 'combination', a combination of seen classes never trained
 * together; 'variant', a trained combination in an unseen variant; 'combinationAndVariant', both;
 * 'classes', classes nothing was trained on (not the extractor, not a zoo head).
 */
export type TaskNovelty = 'combination' | 'variant' | 'combinationAndVariant' | 'classes';
export const TASK_NOVELTIES: readonly TaskNovelty[] = ['combination', 'variant', 'combinationAndVariant', 'classes'];

export interface PlannedTask {
  id: string;
  spec: TaskSpec;
}

export interface HeldOutTask extends PlannedTask {
  novelty: TaskNovelty;
}

export interface TaskPlan {
  /** Tasks the zoo's heads are trained on, in build order. */
  train: PlannedTask[];
  /** Tasks nothing is trained on; for evaluation only. */
  heldOut: HeldOutTask[];
  /** Per source, its classes held out of everything that trains (sorted). */
  unseenClasses: Partial<Record<TaskSource, number[]>>;
}

/** Every sorted k-subset of 0..n−1, in lexicographic order. */
export function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      out.push([...chosen]);
      return;
    }
    for (let c = start; c <= n - (k - chosen.length); c++) pick(c + 1, [...chosen, c]);
  };
  pick(0, []);
  return out;
}

export function checkTaskPlanConfig(config: TaskPlanConfig): void {
  const { sources, trainVariants, heldOutVariants } = config;
  if (sources.length === 0 || new Set(sources).size !== sources.length || sources.some((s) => !(TASK_SOURCES as readonly string[]).includes(s))) {
    throw new InputError(`plan.sources must be distinct names among ${TASK_SOURCES.join(', ')}, got [${sources.join(', ')}]`);
  }
  for (const [field, list] of [['trainVariants', trainVariants], ['heldOutVariants', heldOutVariants]] as const) {
    if (list.length === 0 || new Set(list).size !== list.length || list.some((v) => !isImageVariant(v))) {
      throw new InputError(`plan.${field} must be a non-empty list of distinct image variants, got [${list.join(', ')}]`);
    }
  }
  const both = trainVariants.filter((v) => heldOutVariants.includes(v));
  if (both.length) throw new InputError(`variants ${both.join(', ')} cannot be both training and held-out variants`);
  if (!Number.isInteger(config.ways) || config.ways < 2 || config.ways >= SOURCE_CLASSES) {
    throw new InputError(`plan.ways must be an integer in [2, ${SOURCE_CLASSES - 1}], got ${config.ways}`);
  }
  const counts = {
    trainTasksPerVariant: config.trainTasksPerVariant, extraTrainTasksPerVariant: config.extraTrainTasksPerVariant, heldOutCombos: config.heldOutCombos,
    seenCombosInHeldOutVariants: config.seenCombosInHeldOutVariants, unseenClasses: config.unseenClasses, unseenClassTasks: config.unseenClassTasks,
  };
  for (const [field, n] of Object.entries(counts)) {
    if (!Number.isInteger(n) || n < 0) throw new InputError(`plan.${field} must be an integer ≥ 0, got ${n}`);
  }
  if (config.trainTasksPerVariant < 1) throw new InputError('plan.trainTasksPerVariant must be at least 1');
  const seen = SOURCE_CLASSES - config.unseenClasses;
  const total = seen >= config.ways ? combinations(seen, config.ways).length : 0;
  const training = config.trainTasksPerVariant + config.extraTrainTasksPerVariant;
  if (training + config.heldOutCombos > total) {
    throw new InputError(`${config.heldOutCombos} held-out and ${training} training combinations per variant exceed the ${total} ` +
      `${config.ways}-of-${seen} combinations of the seen classes`);
  }
  if (config.unseenClassTasks > 0) {
    if (config.unseenClasses < 1 || config.unseenClasses >= config.ways) {
      throw new InputError(`plan.unseenClassTasks needs 1 ≤ plan.unseenClasses < plan.ways (${config.ways}), got ${config.unseenClasses}`);
    }
    const fills = combinations(seen, config.ways - config.unseenClasses).length;
    if (config.unseenClassTasks > fills) throw new InputError(`plan.unseenClassTasks (${config.unseenClassTasks}) exceeds the ${fills} ways to complete the unseen classes`);
  }
  if (config.seenCombosInHeldOutVariants > config.trainTasksPerVariant) {
    throw new InputError(`plan.seenCombosInHeldOutVariants (${config.seenCombosInHeldOutVariants}) exceeds the training combinations available`);
  }
}

/** Offsets the extra training tasks' stream from the plan's (TaskPlanConfig.extraTrainTasksPerVariant). */
const EXTRA_TASKS_SEED_OFFSET = 0x2545f491;

/**
 * The seeded plan. For each source: its unseen classes, then held-out combinations of the seen
 * classes, then training draws from the remaining combinations, then the tasks of each kind; the
 * extra training tasks last.
 */
export function planTasks(config: TaskPlanConfig): TaskPlan {
  checkTaskPlanConfig(config);
  const rng = new Rng(config.seed);
  const extraRng = new Rng(config.seed + EXTRA_TASKS_SEED_OFFSET);
  const train: PlannedTask[] = [];
  const extra: PlannedTask[] = [];
  const heldOut: HeldOutTask[] = [];
  const unseenClasses: TaskPlan['unseenClasses'] = {};
  const task = (source: TaskSource, classes: number[], variant: ImageVariant): PlannedTask => {
    const spec = { source, classes, variant };
    checkTaskSpec(spec, config.ways);
    return { id: taskId(spec), spec };
  };
  const sorted = (classes: number[]) => [...classes].sort((a, b) => a - b);
  for (const source of config.sources) {
    const order = Array.from(rng.permutation(SOURCE_CLASSES));
    const unseen = sorted(order.slice(0, config.unseenClasses));
    const seen = sorted(order.slice(config.unseenClasses));
    unseenClasses[source] = unseen;
    const all = rng.shuffle(combinations(seen.length, config.ways).map((c) => c.map((i) => seen[i])));
    const heldOutCombos = all.slice(0, config.heldOutCombos);
    const pool = all.slice(config.heldOutCombos);
    const used = new Map<string, number[]>();
    for (const variant of config.trainVariants) {
      const drawn = rng.shuffle([...pool]);
      for (const classes of drawn.slice(0, config.trainTasksPerVariant)) {
        train.push(task(source, classes, variant));
        used.set(comboKey({ source, classes }), classes);
      }
      const others = extraRng.shuffle(drawn.slice(config.trainTasksPerVariant));
      for (const classes of others.slice(0, config.extraTrainTasksPerVariant)) extra.push(task(source, classes, variant));
    }
    for (const classes of heldOutCombos) {
      for (const variant of config.trainVariants) heldOut.push({ ...task(source, classes, variant), novelty: 'combination' });
      for (const variant of config.heldOutVariants) heldOut.push({ ...task(source, classes, variant), novelty: 'combinationAndVariant' });
    }
    // Sorted first so the draw does not depend on the order the training draws met them.
    const trained = rng.shuffle([...used.values()].sort((a, b) => comboKey({ source, classes: a }).localeCompare(comboKey({ source, classes: b }))));
    for (const classes of trained.slice(0, config.seenCombosInHeldOutVariants)) {
      for (const variant of config.heldOutVariants) heldOut.push({ ...task(source, classes, variant), novelty: 'variant' });
    }
    if (config.unseenClassTasks > 0) {
      const fills = rng.shuffle(combinations(seen.length, config.ways - unseen.length)).slice(0, config.unseenClassTasks);
      for (const fill of fills) {
        const classes = sorted([...unseen, ...fill.map((i) => seen[i])]);
        for (const variant of config.trainVariants) heldOut.push({ ...task(source, classes, variant), novelty: 'classes' });
      }
    }
  }
  return { train: [...train, ...extra], heldOut, unseenClasses };
}
