/**
 * The plain-data layout every ensemble rule works on: the outputs of M members on the same N
 * examples, one row-major [N, C] Float32Array per member (`members[m][i * C + c]` is member m's
 * probability of class c on example i). Probabilities, not logits: `softmaxRows` converts.
 */

export interface MemberOutputs {
  /** C, the number of classes. */
  classes: number;
  /** N, the number of examples (the same for every member). */
  examples: number;
  /** M arrays of N × C class probabilities, row-major. */
  members: Float32Array[];
}

/** Checks that every member holds N × C values and wraps them. */
export function memberOutputs(classes: number, members: Float32Array[]): MemberOutputs {
  if (!(Number.isInteger(classes) && classes > 0)) throw new Error(`classes must be a positive integer, got ${classes}`);
  if (members.length === 0) throw new Error('an ensemble needs at least one member');
  const size = members[0].length;
  if (size % classes !== 0) throw new Error(`a member holds ${size} values, not a multiple of ${classes} classes`);
  members.forEach((m, k) => {
    if (m.length !== size) throw new Error(`member ${k} holds ${m.length} values, member 0 holds ${size}`);
  });
  return { classes, examples: size / classes, members };
}

/** The members at `indices`, in that order (the arrays are shared, not copied). */
export function pickMembers(outputs: MemberOutputs, indices: readonly number[]): MemberOutputs {
  return memberOutputs(outputs.classes, indices.map((k) => {
    const member = outputs.members[k];
    if (!member) throw new Error(`no member ${k} among ${outputs.members.length}`);
    return member;
  }));
}

/** The first `count` members (an ensemble grown in sampling order). */
export function firstMembers(outputs: MemberOutputs, count: number): MemberOutputs {
  if (count < 1 || count > outputs.members.length) throw new Error(`cannot take ${count} of ${outputs.members.length} members`);
  return { ...outputs, members: outputs.members.slice(0, count) };
}

/** The members of `a` followed by those of `b` (one ensemble of both; the arrays are shared). */
export function concatMembers(a: MemberOutputs, b: MemberOutputs): MemberOutputs {
  if (a.classes !== b.classes || a.examples !== b.examples) {
    throw new Error(`cannot join members on ${a.examples} × ${a.classes} and ${b.examples} × ${b.classes} outputs`);
  }
  return memberOutputs(a.classes, [...a.members, ...b.members]);
}

/** Row-wise softmax of [N, C] logits, computed in float64 with the row max subtracted. */
export function softmaxRows(logits: ArrayLike<number>, classes: number): Float32Array {
  if (logits.length % classes !== 0) throw new Error(`${logits.length} logits are not rows of ${classes} classes`);
  const out = new Float32Array(logits.length);
  const row = new Float64Array(classes);
  for (let i = 0; i < logits.length; i += classes) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += (row[c] = Math.exp(logits[i + c] - max));
    for (let c = 0; c < classes; c++) out[i + c] = row[c] / sum;
  }
  return out;
}

/** Predicted class of each row of [N, C] scores. Ties go to the lowest class index. */
export function argmaxRows(scores: ArrayLike<number>, classes: number): Int32Array {
  const n = scores.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    // Strict '>' keeps the first (lowest-index) class among equal scores.
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Member outputs on the val split (selection) and the test split (report). */
export interface SplitOutputs {
  val: MemberOutputs;
  test: MemberOutputs;
}

/** Member outputs on val, test, and on out-of-distribution images (the test split is their in-distribution side). */
export interface EvalOutputs extends SplitOutputs {
  ood: MemberOutputs;
}

const PARTS = ['val', 'test', 'ood'] as const;

/** `f` applied to each part of the outputs. */
export function mapParts(outputs: EvalOutputs, f: (part: MemberOutputs) => MemberOutputs): EvalOutputs {
  return { val: f(outputs.val), test: f(outputs.test), ood: f(outputs.ood) };
}

/** The first `count` members on every part. */
export const firstOf = (outputs: EvalOutputs, count: number): EvalOutputs => mapParts(outputs, (o) => firstMembers(o, count));

/** The members at `indices` on every part. */
export const pickOf = (outputs: EvalOutputs, indices: readonly number[]): EvalOutputs => mapParts(outputs, (o) => pickMembers(o, indices));

/** One ensemble of the members of `a` then `b`, on every part. */
export function concatOf(a: EvalOutputs, b: EvalOutputs): EvalOutputs {
  return { val: concatMembers(a.val, b.val), test: concatMembers(a.test, b.test), ood: concatMembers(a.ood, b.ood) };
}

/** The number of members (the same on every part). */
export function memberCount(outputs: EvalOutputs): number {
  const counts = PARTS.map((p) => outputs[p].members.length);
  if (counts.some((c) => c !== counts[0])) throw new Error(`members on val, test, ood: ${counts.join(', ')}; they must be the same`);
  return counts[0];
}
